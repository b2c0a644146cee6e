/**
 * `arcedge-agent`: the device daemon. `arcedge-agent --config <file>` runs it;
 * `--print-config` prints the effective config (defaults applied, secrets masked) and exits;
 * `--demo` (what `npm start` runs) starts it on embedded defaults with a demo clip.
 * Exit codes: 0 clean stop, 1 failure, 2 usage error.
 */
import { parseArgs } from 'node:util';
import { isArcEdgeError } from '../sdk/index.ts';
import { Agent, type AgentHooks } from './agent.ts';
import { loadConfigFile } from './config/load.ts';
import type { AgentConfig } from './config/schema.ts';
import { maskSecrets } from './config/secrets.ts';
import { createLogger } from './log.ts';

const USAGE = `usage: arcedge-agent --config <file> [--print-config | --check-config]
       arcedge-agent --demo [--source <url>]     (embedded broker, default models, demo clip)

  --config <file>    agent config, YAML or JSON (docs/agent-config.md)
  --print-config     print the effective config (secrets masked) and exit
  --check-config     validate the config as a host does before installing it (schema only: the
                     secret env variables and files are the device's) and print it as JSON
  --demo             run on embedded defaults: what \`npm start\` does
  --source <url>     demo: watch this camera instead of the demo clip (rtsp://, v4l2:///dev/video0, file://)
  --help             this text`;

function changedKeys(a: AgentConfig, b: AgentConfig): string[] {
  return Object.keys({ ...a, ...b }).filter((k) => JSON.stringify(a[k as keyof AgentConfig]) !== JSON.stringify(b[k as keyof AgentConfig]));
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({ options: { config: { type: 'string' }, 'print-config': { type: 'boolean' }, 'check-config': { type: 'boolean' }, demo: { type: 'boolean' }, source: { type: 'string' }, help: { type: 'boolean' } }, strict: true });
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values } = args;
  if (values.help) return console.log(USAGE), 0;
  if (values.demo) return (await import('./demo/demo.ts')).runDemo({ ...(values.source ? { source: values.source } : {}) });
  if (!values.config) return console.error(`arcedge-agent: --config <file> is required\n${USAGE}`), 2;

  let loaded;
  try {
    loaded = loadConfigFile(values.config, { secrets: !values['check-config'] });
  } catch (error) {
    console.error(isArcEdgeError(error) ? `[${error.code}] ${error.message}` : String(error));
    return 1;
  }
  if (values['print-config'] || values['check-config']) return console.log(JSON.stringify(maskSecrets(loaded.config), null, 2)), 0;

  const logger = createLogger(loaded.config.log.level);
  let config = loaded.config;
  let agent: Agent;
  const hooks: AgentHooks = {
    async reload() {
      const next = loadConfigFile(values.config!).config;
      const changed = changedKeys(config, next);
      return {
        changed,
        apply: async () => {
          logger.log('info', 'reloading', { changed });
          if (next.workers !== config.workers) logger.log('warn', 'workers changed: takes effect at the next start', { workers: next.workers });
          const pipeline = await agent.stop({ keepPipeline: true });
          config = next;
          logger.setLevel(config.log.level);
          agent = new Agent(config, logger, hooks, pipeline);
          await agent.start();
        },
      };
    },
  };
  agent = new Agent(config, logger, hooks);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log('info', 'stopping', { signal });
    await agent.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  try {
    await agent.start();
  } catch (error) {
    logger.log('error', 'agent failed to start', { error: isArcEdgeError(error) ? error.toJSON() : String(error) });
    await agent.stop().catch(() => {});
    return 1;
  }
  return -1; // keep running
}

main().then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error) => {
    console.error(error);
    process.exitCode = 1;
  },
);
