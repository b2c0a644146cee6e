/** `arcedge`: the host CLI entry point (tools/main.ts holds the command table, for tests). */
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2));
