/**
 * The `arcedge` command table. Each command lives in tools/commands/<name>.ts, is declared with
 * tools/cli/command.ts (parseArgs, generated --help, exit codes 0 ok / 1 failure / 2 usage) and
 * is imported lazily, so `arcedge models list` does not pay for loading OpenCV or onnxruntime.
 */
import { isArcEdgeError } from '../sdk/index.ts';
import { EXIT, type CommandRunner } from './cli/command.ts';

const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandRunner> }> = {
  demo: {
    summary: 'analyse photos and print every face found (default: ../shared/assets/faces)',
    load: async () => (await import('./commands/demo.ts')).demoCommand,
  },
  models: {
    summary: 'list | pull <set> | verify [set] | probe <model.onnx>: manage model sets and the model cache',
    load: async () => (await import('./commands/models.ts')).modelsCommand,
  },
  pack: {
    summary: 'turn <person>/<images> photos into an aligned RecordIO training set',
    load: async () => (await import('./commands/pack.ts')).packCommand,
  },
  'pack-pairs': {
    summary: 'build a verification .bin of same/different pairs from labelled photos',
    load: async () => (await import('./commands/pack-pairs.ts')).packPairsCommand,
  },
  train: {
    summary: 'train a face recognizer with PyTorch (ArcFace etc.) and export an ONNX model package',
    load: async () => (await import('./commands/train.ts')).trainCommand,
  },
  eval: {
    summary: 'verification metrics (AUC, 10-fold accuracy, TAR@FAR, EER, thresholds) and an HTML report',
    load: async () => (await import('./commands/eval.ts')).evalCommand,
  },
  quantize: {
    summary: 'FP16 or INT8 (Q/DQ, calibrated) model + a report of the accuracy and speed it costs',
    load: async () => (await import('./commands/quantize.ts')).quantizeCommand,
  },
  'web-password': {
    summary: 'hash a password for the agent web UI (web.passwordHash)',
    load: async () => (await import('./commands/web-password.ts')).webPasswordCommand,
  },
  enroll: {
    summary: 'enroll people from photos into a gallery (a folder per person, or --name)',
    load: async () => (await import('./commands/enroll.ts')).enrollCommand,
  },
  identify: {
    summary: 'identify every face in photos against a gallery (--json: one line per image)',
    load: async () => (await import('./commands/identify.ts')).identifyCommand,
  },
  gallery: {
    summary: 'list | show | remove | rename | export | import | reembed | calibrate a gallery',
    load: async () => (await import('./commands/gallery/index.ts')).galleryCommand,
  },
  doctor: {
    summary: 'show each inference backend, whether it loads, and why not',
    load: async () => (await import('./commands/doctor.ts')).doctorCommand,
  },
  keys: {
    summary: 'generate: an Ed25519 key pair for signing model packages',
    load: async () => (await import('./commands/keys.ts')).keysCommand,
  },
  package: {
    summary: 'build and sign a model package (<model.onnx> --key --out); `package verify <dir> --pubkey` checks one',
    load: async () => (await import('./commands/package.ts')).packageCommand,
  },
  deploy: {
    summary: 'send a signed package to devices over MQTT (chunked, resumable), apply it there; --canary N first',
    load: async () => (await import('./commands/deploy.ts')).deployCommand,
  },
  devices: {
    summary: 'every device from the retained MQTT status: state, model and version, gallery, agent, last deploy',
    load: async () => (await import('./commands/devices.ts')).devicesCommand,
  },
  flash: {
    summary: 'install the agent on a device over SSH (systemd unit, waits for online); --out: an offline installer',
    load: async () => (await import('./commands/flash.ts')).flashCommand,
  },
  setup: {
    summary: 'build the OpenCV binding against the system OpenCV (once per machine)',
    load: async () => (await import('./commands/setup.ts')).setupCommand,
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, { summary }]) => `  ${name.padEnd(width)}  ${summary}`);
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
    console.log(usage());
    return name === undefined ? EXIT.USAGE : EXIT.OK;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`arcedge: unknown command "${name}". Expected one of: ${Object.keys(COMMANDS).join(', ')}\n\n${usage()}`);
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

