/**
 * `arcedge deploy <package dir|.tar> --device <id>... | --all [--canary N] --broker <url>`: check
 * the package here, send it to each device in acknowledged chunks (resumable), ask the device to
 * apply it, and print one row per device: applied / refused (reason) / timed-out / failed /
 * skipped. With --canary N the first N devices go first and must come back healthy before any
 * other device is contacted. docs/deploy.md.
 */
import { readFileSync } from 'node:fs';
import { defineCommand, EXIT, formatTable, parsePositiveInt, UsageError, type CommandRunner } from '../cli/command.ts';
import { createProgressGroup } from '../cli/progress.ts';
import { BROKER_OPTIONS, brokerOptions, checkTargets, TARGET_OPTIONS, targetDevices } from '../deploy/cli-options.ts';
import { FleetClient } from '../deploy/fleet-client.ts';
import { preparePackage, type Prepared } from '../deploy/prepare.ts';
import { rollout, type Outcome } from '../deploy/rollout.ts';
import { DEFAULT_CHUNK_BYTES } from '../deploy/send-file.ts';
import { MAX_CHUNK_BYTES } from '../../sdk/index.ts';

export const ROLLOUT_OPTIONS = {
  ...BROKER_OPTIONS,
  ...TARGET_OPTIONS,
  'chunk-kb': { type: 'string', valueName: 'KiB', description: `chunk size (max ${MAX_CHUNK_BYTES / 1024}; keep its base64 under the agent's commands.maxPayloadBytes)`, default: String(DEFAULT_CHUNK_BYTES / 1024) },
  window: { type: 'string', valueName: 'N', description: 'chunks in flight per device', default: '4' },
  parallel: { type: 'string', valueName: 'N', description: 'devices served at once', default: '4' },
  timeout: { type: 'string', valueName: 'sec', description: 'per device: the transfer, retries and waits for a restarting device included', default: '600' },
  'apply-timeout': { type: 'string', valueName: 'sec', description: 'per device: wait for the apply reply (self-test and gallery re-embedding run then)', default: '300' },
} as const;

function describe(o: Outcome): string {
  if (o.result === 'applied') {
    const r = o.applied as { package?: string; version?: number; identities?: number; templates?: number; reembedded?: boolean } | undefined;
    const what =
      r?.package === 'gallery'
        ? `gallery: ${r.identities ?? '?'} identities, ${r.templates ?? '?'} templates${r.reembedded ? ', re-embedded for the device model' : ''}`
        : r?.package
          ? `${r.package} v${r.version}`
          : 'ok';
    const resumed = o.transfer && o.transfer.resumedFrom > 0 ? `, resumed at chunk ${o.transfer.resumedFrom}` : '';
    return `${what}${resumed}${o.transfer && o.transfer.resumes > 0 ? `, ${o.transfer.resumes} reconnects` : ''}`;
  }
  return o.reason ? `[${o.reason.code}] ${o.reason.message.split('\n')[0]}` : '';
}

type RolloutValues = {
  [K in 'chunk-kb' | 'window' | 'parallel' | 'timeout' | 'apply-timeout']: string;
} & Parameters<typeof brokerOptions>[0] & { device: string[]; all: boolean };

/** Shared by deploy and gallery push: connect, pick devices, roll out, print, exit 0 only if every device applied. */
export async function runRollout(prepared: Prepared, values: RolloutValues, json: boolean, canary: number, canaryWaitMs: number): Promise<number> {
  const chunkKb = parsePositiveInt('chunk-kb', values['chunk-kb'])!;
  if (chunkKb < 1 || chunkKb * 1024 > MAX_CHUNK_BYTES) throw new UsageError(`--chunk-kb must be 1 to ${MAX_CHUNK_BYTES / 1024}`);
  const client = await FleetClient.connect(brokerOptions(values));
  const progress = createProgressGroup({ silent: json });
  try {
    const devices = await targetDevices(client, values);
    if (canary >= devices.length && canary > 0 && !json) console.error(`note: --canary ${canary} covers all ${devices.length} device(s)`);
    const outcomes = await rollout(client, devices, prepared.file, {
      send: {
        chunkBytes: chunkKb * 1024,
        window: parsePositiveInt('window', values.window)!,
        timeoutMs: parsePositiveInt('timeout', values.timeout)! * 1000,
        requestTimeoutMs: 10_000,
      },
      applyTimeoutMs: parsePositiveInt('apply-timeout', values['apply-timeout'])! * 1000,
      canaryWaitMs,
      canary,
      parallel: parsePositiveInt('parallel', values.parallel)!,
      ...(prepared.manifest ? { manifest: prepared.manifest } : {}),
      progress,
    });
    progress.stop();
    const ok = outcomes.every((o) => o.result === 'applied');
    if (json) {
      const m = prepared.manifest;
      console.log(JSON.stringify({ ok, kind: prepared.file.kind, ...(m ? { package: m.name, version: m.version } : { name: prepared.file.name }), bytes: prepared.file.bytes, sha256: prepared.file.sha256, devices: outcomes }));
    } else {
      console.log(formatTable(['device', 'result', 'canary', 'seconds', 'detail'], outcomes.map((o) => [o.device, o.result, o.canary ? 'yes' : '', (o.ms / 1000).toFixed(1), describe(o)])));
      const fixes = [...new Set(outcomes.map((o) => o.reason?.fix).filter((f): f is string => Boolean(f)))];
      for (const fix of fixes) console.log(`Fix: ${fix}`);
    }
    return ok ? EXIT.OK : EXIT.FAILURE;
  } finally {
    progress.stop();
    await client.end();
  }
}

export const deployCommand: CommandRunner = defineCommand({
  name: 'deploy',
  summary: 'send a signed model package to devices over MQTT (chunked, resumable), apply it there, canary first with --canary N',
  args: '<package dir | package.tar>',
  details: [
    'The package is verified here first (hashes, SHA256SUMS, and the signature with --pubkey), then re-packed',
    'as a clean tar. Each device stages it under <dataDir>/incoming/, checks it again against its own trusted keys,',
    'self-tests it and swaps models. Exit 0 only when every device applied it.',
    '',
    'examples:',
    '  arcedge deploy pkg/ --pubkey keys/public.pem --device cam-1 --device cam-2 --broker mqtt://broker:1883',
    '  arcedge deploy pkg.tar --all --canary 1 --broker mqtts://broker:8883 --ca ca.pem --username host --password-file pw',
  ].join('\n'),
  options: {
    ...ROLLOUT_OPTIONS,
    pubkey: { type: 'string', multiple: true, valueName: 'public.pem', description: 'check the signature here too, against these keys (the devices always check theirs)' },
    canary: { type: 'string', valueName: 'N', description: 'deploy to the first N devices, check them (status, model version, processedFps > 0), then the rest' },
    'canary-wait': { type: 'string', valueName: 'sec', description: 'how long a canary may take to report the new model and processed frames', default: '90' },
  },
  positionals: { min: 1, max: 1 },
  run: async ({ values, positionals, json }) => {
    const canary = values.canary === undefined ? 0 : Number(values.canary);
    if (!Number.isInteger(canary) || canary < 0) throw new UsageError(`--canary must be a whole number, got "${values.canary}"`);
    const canaryWaitMs = parsePositiveInt('canary-wait', values['canary-wait'])! * 1000;
    const keys = values.pubkey.map((p) => {
      try {
        return readFileSync(p, 'utf8');
      } catch {
        throw new UsageError(`--pubkey ${p} cannot be read`);
      }
    });
    checkTargets(values);
    brokerOptions(values); // usage errors before the (slow) package check
    const prepared = await preparePackage(positionals[0]!, keys);
    try {
      const m = prepared.manifest!;
      if (!json) console.error(`${m.name} version ${m.version}: ${prepared.file.bytes} bytes, verified${prepared.signatureChecked ? ' with signature' : ' (signature not checked here: pass --pubkey)'}`);
      return await runRollout(prepared, values, json, canary, canaryWaitMs);
    } finally {
      prepared.cleanup();
    }
  },
});
