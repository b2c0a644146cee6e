/**
 * The `arcedge` command table. Each command lives in tools/commands/<name>.ts, is declared with
 * tools/cli/command.ts (parseArgs, generated --help, exit codes 0 ok / 1 failure / 2 usage) and
 * is imported lazily, so `arcedge models list` does not pay for loading OpenCV or onnxruntime.
 */
import { isArcEdgeError } from '../sdk/index.ts';
// The CLI's own error codes, declared before any command can throw one (tools/errors.ts).
import './errors.ts';
import { EXIT, type CommandRunner } from './cli/command.ts';

// Each summary lives in its command's spec (defineCommand / defineGroup) only: --help loads the
// commands to read them; running one command still loads only that one.
const COMMANDS: Record<string, { load: () => Promise<CommandRunner & { spec?: { summary: string }; group?: { summary: string } }> }> = {
  demo: {
    load: async () => (await import('./commands/demo.ts')).demoCommand,
  },
  models: {
    load: async () => (await import('./commands/models.ts')).modelsCommand,
  },
  pack: {
    load: async () => (await import('./commands/pack.ts')).packCommand,
  },
  'pack-pairs': {
    load: async () => (await import('./commands/pack-pairs.ts')).packPairsCommand,
  },
  train: {
    load: async () => (await import('./commands/train.ts')).trainCommand,
  },
  eval: {
    load: async () => (await import('./commands/eval.ts')).evalCommand,
  },
  quantize: {
    load: async () => (await import('./commands/quantize.ts')).quantizeCommand,
  },
  'web-password': {
    load: async () => (await import('./commands/web-password.ts')).webPasswordCommand,
  },
  enroll: {
    load: async () => (await import('./commands/enroll.ts')).enrollCommand,
  },
  identify: {
    load: async () => (await import('./commands/identify.ts')).identifyCommand,
  },
  gallery: {
    load: async () => (await import('./commands/gallery/index.ts')).galleryCommand,
  },
  doctor: {
    load: async () => (await import('./commands/doctor.ts')).doctorCommand,
  },
  keys: {
    load: async () => (await import('./commands/keys.ts')).keysCommand,
  },
  package: {
    load: async () => (await import('./commands/package.ts')).packageCommand,
  },
  deploy: {
    load: async () => (await import('./commands/deploy.ts')).deployCommand,
  },
  devices: {
    load: async () => (await import('./commands/devices.ts')).devicesCommand,
  },
  flash: {
    load: async () => (await import('./commands/flash.ts')).flashCommand,
  },
  setup: {
    load: async () => (await import('./commands/setup.ts')).setupCommand,
  },
};

async function usage(): Promise<string> {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = await Promise.all(
    Object.entries(COMMANDS).map(async ([name, { load }]) => {
      const runner = await load();
      return `  ${name.padEnd(width)}  ${runner.spec?.summary ?? runner.group?.summary ?? ''}`;
    }),
  );
  return [
    'usage: arcedge <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    'arcedge <command> --help for details',
    'exit codes: 0 ok, 1 failure, 2 usage error',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(await usage());
    return name === undefined ? EXIT.USAGE : EXIT.OK;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`arcedge: unknown command "${name}". Expected one of: ${Object.keys(COMMANDS).join(', ')}\n\n${await usage()}`);
    return EXIT.USAGE;
  }
  try {
    return await (await command.load())(rest);
  } catch (error) {
    // The SDK throws typed errors whose message already carries the fix; print it without a stack.
    if (isArcEdgeError(error)) {
      console.error(`arcedge ${name}: [${error.code}] ${error.message}`);
      return EXIT.FAILURE;
    }
    throw error;
  }
}

