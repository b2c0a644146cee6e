/**
 * One rollout: transfer then `apply` on each device, canaries first. A canary passes when its
 * apply reply says applied, its retained status shows the new package (deploy.state applied,
 * model.version the package's) and a metrics message after the swap shows frames processed
 * (processedFps > 0). Any canary failing stops the rollout: the other devices are never
 * contacted, not even for a transfer.
 */
import { isArcEdgeError, type ModelPackageManifest } from '../../sdk/index.ts';
import type { ProgressGroup } from '../cli/progress.ts';
import { refusalOf, type FleetClient } from './fleet-client.ts';
import { sendFile, type OutgoingFile, type SendOptions, type SendResult } from './send-file.ts';

export type OutcomeResult = 'applied' | 'refused' | 'timed-out' | 'failed' | 'skipped';

export interface Outcome {
  readonly device: string;
  readonly result: OutcomeResult;
  readonly canary: boolean;
  readonly reason?: { code: string; message: string; fix?: string };
  readonly transfer?: SendResult;
  /** The apply reply's result. */
  readonly applied?: unknown;
  readonly ms: number;
}

export interface RolloutOptions {
  readonly send: Omit<SendOptions, 'onProgress'>;
  readonly applyTimeoutMs: number;
  /** How long a canary may take to show the new package in its status and processedFps > 0. */
  readonly canaryWaitMs: number;
  readonly canary: number;
  readonly parallel: number;
  readonly manifest?: ModelPackageManifest;
  readonly progress: ProgressGroup;
}

const TERMINAL = new Set(['applied', 'refused', 'failed', 'rolled-back']);
type DeployStatus = { state?: string; transfer?: string; version?: number; reason?: { code: string; message: string } };

/**
 * The apply reply; when the connection drops while waiting (the reply is then lost), the
 * device's retained deploy status for this transfer, newer than the one seen before, tells.
 */
async function apply(client: FleetClient, device: string, transfer: string, timeoutMs: number): Promise<{ ok: true; result: unknown } | { ok: false; reason: NonNullable<Outcome['reason']>; timedOut?: boolean }> {
  const deployOf = (): (DeployStatus & { ts?: string }) | undefined => client.statuses.get(device)?.deploy as (DeployStatus & { ts?: string }) | undefined;
  const before = deployOf()?.ts;
  const settled = () => {
    const d = deployOf();
    return d && d.transfer === transfer && d.ts !== before && TERMINAL.has(d.state ?? '') ? d : undefined;
  };
  const until = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        return { ok: true, result: await client.request(device, 'apply', { transfer }, Math.max(1000, until - Date.now())) };
      } catch (error) {
        const unsent = isArcEdgeError(error, 'DEVICE_TIMEOUT') && error.details?.sent === false;
        if (!unsent || Date.now() > until) throw error;
        await new Promise((r) => setTimeout(r, 500)); // reconnecting: the request never left
      }
    }
  } catch (error) {
    const refusal = refusalOf(error);
    if (refusal) return { ok: false, reason: { code: refusal.code, message: refusal.message, fix: refusal.fix } };
    if (!isArcEdgeError(error, 'DEVICE_TIMEOUT')) throw error;
    for (;;) {
      const d = settled();
      if (d?.state === 'applied') return { ok: true, result: d };
      if (d) return { ok: false, reason: d.reason ?? { code: `DEPLOY_${(d.state ?? 'failed').toUpperCase().replace('-', '_')}`, message: `the device reports ${d.state}` } };
      if (Date.now() > until) return { ok: false, timedOut: true, reason: { code: 'DEVICE_TIMEOUT', message: error.message.split('\n')[0]! } };
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Why a freshly applied canary is not healthy, or undefined when it is. */
export async function canaryProblem(client: FleetClient, device: string, appliedAt: number, manifest: ModelPackageManifest | undefined, waitMs: number): Promise<string | undefined> {
  const until = Date.now() + waitMs;
  const statusOk = () => {
    const s = client.statuses.get(device);
    const deploy = s?.deploy as DeployStatus | undefined;
    const model = s?.model as { version?: number; package?: string } | undefined;
    if (s?.state !== 'online' || deploy?.state !== 'applied') return false;
    return !manifest || (model?.version === manifest.version && model?.package === manifest.name);
  };
  while (!statusOk()) {
    if (Date.now() > until) {
      const s = client.statuses.get(device);
      return `its retained status does not show ${manifest ? `${manifest.name} version ${manifest.version}` : 'the new gallery'} applied (state ${s?.state ?? 'none'}, deploy ${JSON.stringify(s?.deploy ?? null)}, model ${JSON.stringify(s?.model ?? null)})`;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  let stop = () => {};
  const processing = new Promise<boolean>((resolve) => {
    stop = client.onMetrics((d, m) => {
      if (d !== device || Date.parse(m.ts) <= appliedAt) return;
      if (Object.values(m.cameras ?? {}).some((c) => c.processedFps > 0)) resolve(true);
    });
  });
  const ok = await Promise.race([processing, new Promise<false>((r) => setTimeout(() => r(false), Math.max(0, until - Date.now())))]);
  stop();
  return ok ? undefined : `no metrics with processedFps > 0 within ${Math.round(waitMs / 1000)} s of the swap (is a camera enabled and online?)`;
}

async function deployOne(client: FleetClient, device: string, file: OutgoingFile, options: RolloutOptions, canary: boolean): Promise<Outcome> {
  const started = Date.now();
  const bar = options.progress.bar(`${device.padEnd(16).slice(0, 16)}`, Math.ceil(file.bytes / options.send.chunkBytes));
  let shown = 0;
  const done = (o: Omit<Outcome, 'device' | 'canary' | 'ms'>): Outcome => {
    bar.update(shown, { text: o.reason ? `${o.result} [${o.reason.code}]` : o.result });
    bar.stop();
    return { device, canary, ...o, ms: Date.now() - started };
  };
  let transfer: SendResult;
  try {
    transfer = await sendFile(client, device, file, { ...options.send, onProgress: (received, chunks, note) => bar.update((shown = received), { total: chunks, text: note ?? 'transfer' }) });
  } catch (error) {
    const refusal = refusalOf(error);
    if (refusal) {
      // An agent from before arcedge deploy does not know the transfer command.
      const fix = refusal.code === 'COMMAND_UNKNOWN' ? 'this agent predates arcedge deploy: update it (arcedge flash), then deploy again' : refusal.fix;
      return done({ result: 'refused', reason: { code: refusal.code, message: refusal.message, fix } });
    }
    if (isArcEdgeError(error, 'DEVICE_TIMEOUT')) return done({ result: 'timed-out', reason: { code: error.code, message: error.message.split('\n')[0]! } });
    return done({ result: 'failed', reason: { code: isArcEdgeError(error) ? error.code : 'ERROR', message: (error as Error).message } });
  }
  shown = transfer.chunks;
  bar.update(shown, { text: 'applying' });
  const applied = await apply(client, device, transfer.transfer, options.applyTimeoutMs);
  if (!applied.ok) return done({ result: applied.timedOut ? 'timed-out' : 'refused', reason: applied.reason, transfer });
  const appliedAt = Date.now() - 1000; // metrics carry the device clock: allow a little skew
  if (canary) {
    bar.update(transfer.chunks, { text: 'canary checks' });
    const problem = await canaryProblem(client, device, appliedAt, options.manifest, options.canaryWaitMs);
    if (problem) return done({ result: 'failed', reason: { code: 'CANARY_UNHEALTHY', message: problem }, transfer, applied: applied.result });
  }
  return done({ result: 'applied', transfer, applied: applied.result });
}

async function inParallel<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
      for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]!);
    }),
  );
  return out;
}

export async function rollout(client: FleetClient, devices: readonly string[], file: OutgoingFile, options: RolloutOptions): Promise<Outcome[]> {
  const canaries = devices.slice(0, options.canary);
  const rest = devices.slice(options.canary);
  const first = await inParallel(canaries, options.parallel, (d) => deployOne(client, d, file, options, true));
  if (first.some((o) => o.result !== 'applied')) {
    const failed = first.filter((o) => o.result !== 'applied').map((o) => o.device);
    return [
      ...first,
      ...rest.map((device): Outcome => ({ device, canary: false, result: 'skipped', reason: { code: 'CANARY_FAILED', message: `not contacted: canary ${failed.join(', ')} failed` }, ms: 0 })),
    ];
  }
  return [...first, ...(await inParallel(rest, options.parallel, (d) => deployOne(client, d, file, options, false)))];
}
