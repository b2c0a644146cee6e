/**
 * The host side of `transfer`: begin (the reply lists the chunks the device is missing), send
 * those with a few in flight, commit. Any dropped connection, timeout or agent restart sends the
 * loop back to begin, which is idempotent, so the transfer resumes from what the device holds on
 * disk. The transfer id is derived from the file's sha256 and the chunk size, so a second
 * `arcedge deploy` of the same file resumes too. The wire protocol is in docs/deploy.md.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { ArcEdgeError, isArcEdgeError, type TransferKind } from '../../sdk/index.ts';
import { deviceRefused, refusalOf, type FleetClient } from './fleet-client.ts';

export interface OutgoingFile {
  readonly path: string;
  readonly kind: TransferKind;
  /** Package name or gallery file name, for the device's logs and transfer.json. */
  readonly name: string;
  readonly bytes: number;
  readonly sha256: string;
}

export interface SendOptions {
  readonly chunkBytes: number;
  /** Chunks in flight at once. */
  readonly window: number;
  /** The whole transfer, retries included. */
  readonly timeoutMs: number;
  /** One request's wait for its reply. */
  readonly requestTimeoutMs: number;
  onProgress?(received: number, chunks: number, note?: string): void;
}

export interface SendResult {
  readonly transfer: string;
  readonly chunks: number;
  /** Chunks the device already held at the first begin (a resumed transfer). */
  readonly resumedFrom: number;
  /** Chunk messages sent, retries included. */
  readonly chunksSent: number;
  /** Times the loop went back to begin after a drop or a timeout. */
  readonly resumes: number;
}

interface State {
  readonly chunks: number;
  readonly received: number;
  readonly missing: number[];
  readonly complete: boolean;
}

export const DEFAULT_CHUNK_BYTES = 256 * 1024;

export function transferIdOf(file: OutgoingFile, chunkBytes: number): string {
  return `${file.kind === 'gallery' ? 'gal' : 'pkg'}-${file.sha256.slice(0, 32)}-c${chunkBytes}`;
}

export async function sha256OfFile(path: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  const fh = await open(path, 'r');
  let bytes = 0;
  try {
    for await (const chunk of fh.createReadStream()) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
  } finally {
    await fh.close().catch(() => {});
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** Device errors worth another round: the transfer state moved under us, or a chunk broke in transit. */
const RETRYABLE = new Set(['TRANSFER_UNKNOWN', 'TRANSFER_INCOMPLETE', 'TRANSFER_CHUNK_INVALID', 'TRANSFER_HASH_MISMATCH', 'BACKEND_DISPOSED']);
const MAX_DEVICE_RETRIES = 5;

export async function sendFile(client: FleetClient, device: string, file: OutgoingFile, options: SendOptions): Promise<SendResult> {
  const transfer = transferIdOf(file, options.chunkBytes);
  const deadline = Date.now() + options.timeoutMs;
  const chunks = Math.ceil(file.bytes / options.chunkBytes);
  let resumedFrom: number | undefined;
  let chunksSent = 0;
  let resumes = 0;
  let deviceRetries = 0;
  let lastReceived = 0;
  const fh = await open(file.path, 'r');
  const ask = (body: Record<string, unknown>) => client.request(device, 'transfer', { transfer, ...body }, options.requestTimeoutMs) as Promise<State>;
  try {
    for (let round = 0; ; round++) {
      if (Date.now() > deadline) {
        throw new ArcEdgeError('DEVICE_TIMEOUT', `${device}: the transfer did not finish within ${options.timeoutMs} ms (${resumes} resumes)`, { details: { device, transfer } });
      }
      try {
        const state = await ask({ op: 'begin', kind: file.kind, name: file.name, bytes: file.bytes, sha256: file.sha256, chunkBytes: options.chunkBytes });
        resumedFrom ??= state.received;
        lastReceived = state.received;
        options.onProgress?.(state.received, chunks, round > 0 ? 'resumed' : undefined);
        if (!state.complete) {
          let received = state.received;
          const queue = [...state.missing];
          const worker = async () => {
            for (let index = queue.shift(); index !== undefined; index = queue.shift()) {
              const length = Math.min(options.chunkBytes, file.bytes - index * options.chunkBytes);
              const data = Buffer.alloc(length);
              await fh.read(data, 0, length, index * options.chunkBytes);
              chunksSent++;
              try {
                await ask({ op: 'chunk', index, data: data.toString('base64'), sha256: createHash('sha256').update(data).digest('hex') });
              } catch (error) {
                queue.length = 0; // the other workers stop after their chunk in flight
                throw error;
              }
              lastReceived = ++received;
              options.onProgress?.(received, chunks);
            }
          };
          // One failed chunk stops this round (the others drain); begin then says what is left.
          const results = await Promise.allSettled(Array.from({ length: Math.max(1, options.window) }, worker));
          const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
          if (failed) throw failed.reason;
          await ask({ op: 'commit' });
        }
        return { transfer, chunks, resumedFrom, chunksSent, resumes };
      } catch (error) {
        const refusal = refusalOf(error);
        if (refusal) {
          if (refusal.code === 'PAYLOAD_TOO_LARGE') {
            throw deviceRefused({ ...refusal, message: `${refusal.message} (a ${options.chunkBytes}-byte chunk is ~${Math.ceil((options.chunkBytes * 4) / 3)} bytes of base64)`, fix: "use a smaller --chunk-kb, or raise commands.maxPayloadBytes in the device's config" });
          }
          if (!RETRYABLE.has(refusal.code) || ++deviceRetries > MAX_DEVICE_RETRIES) throw error;
        } else if (!isArcEdgeError(error, 'DEVICE_TIMEOUT')) throw error;
        resumes++;
        options.onProgress?.(lastReceived, chunks, `waiting for the device (${(error as Error).message.split('\n')[0]!.slice(0, 60)})`);
        await new Promise((r) => setTimeout(r, Math.min(2000, 250 * (round + 1))));
      }
    }
  } finally {
    await fh.close();
  }
}
