/**
 * The device side of `transfer`: chunks land on disk as they arrive, so a restarted agent keeps
 * what it received and the host resumes from there. Layout under <dataDir>/incoming/<transfer>/:
 *
 *   transfer.partial.json  the declaration from begin (kind, name, bytes, sha256, chunkBytes)
 *   chunks/<index>         one file per received chunk (written to a temp name, then renamed)
 *   package/ | gallery.db  after commit: the extracted package, or the gallery file
 *   transfer.json          written last and atomically, once the sha256 matched (the contract
 *                          with the apply command: no transfer.json, no apply)
 *
 * Disk is bounded: a transfer over transfers.maxBytes, or one the free space cannot hold twice
 * (chunks, then the staged copy), is refused up front; everything under incoming/ together
 * (unfinished transfers at their declared size, committed ones at their size on disk) stays
 * under maxBytes; transfers idle for transfers.staleHours are deleted, at each begin and on a
 * timer.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, statfsSync } from 'node:fs';
import { rm, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { ArcEdgeError, TRANSFER_ID_PATTERN, type TransferCommand, type TransferKind } from '../../sdk/index.ts';
import { CHUNKS, DONE, PARTIAL, stage, writeJsonAtomic } from './transfer-stage.ts';

export interface TransferLimits {
  readonly maxBytes: number;
  readonly staleMs: number;
  /** How often stale transfers are looked for besides each begin (0: only at begin). Default: staleMs / 4, at most hourly. */
  readonly cleanupEveryMs?: number;
  /** Kept free beside a transfer's two copies, bytes. */
  readonly reserveBytes?: number;
}

interface Declaration {
  readonly kind: TransferKind;
  readonly name: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly chunkBytes: number;
  readonly begun: string;
}

/** What begin, status and commit answer. */
export interface TransferState {
  readonly transfer: string;
  readonly kind: TransferKind;
  readonly name: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly chunkBytes: number;
  readonly chunks: number;
  readonly received: number;
  /** Chunk indices still to send (empty when complete). */
  readonly missing: number[];
  readonly complete: boolean;
}


const chunkCount = (d: Declaration): number => Math.ceil(d.bytes / d.chunkBytes);

/** Bytes of the files under `path` (lstat: a link counts as itself, never followed). */
function diskBytes(path: string): number {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.size;
  let sum = 0;
  for (const name of readdirSync(path)) sum += diskBytes(join(path, name));
  return sum;
}

export class TransferStore {
  /** Received chunk indices per transfer, loaded from disk on first use (so a restart keeps them). */
  private readonly have = new Map<string, Set<number>>();
  /** One operation at a time per transfer: a commit never races a late chunk. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    readonly dir: string,
    private readonly limits: TransferLimits,
    private readonly log: (level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>) => void = () => {},
  ) {
    mkdirSync(dir, { recursive: true });
    // A timer as well as begin: committed transfers that are never applied would otherwise
    // stay until the next begin, which an attacker who filled the quota never sends.
    const every = limits.cleanupEveryMs ?? Math.min(3_600_000, Math.max(60_000, limits.staleMs / 4));
    if (every > 0) {
      this.timer = setInterval(() => {
        try {
          this.cleanStale();
        } catch (error) {
          this.log('warn', 'stale transfer cleanup failed', { error: (error as Error).message });
        }
      }, every);
      this.timer.unref();
    }
  }

  private readonly timer: NodeJS.Timeout | undefined;

  /** Stops the cleanup timer (the agent's stop). */
  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  run(cmd: TransferCommand): Promise<unknown> {
    const previous = this.queues.get(cmd.transfer) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(() => this.dispatch(cmd));
    this.queues.set(cmd.transfer, next);
    void next.finally(() => this.queues.get(cmd.transfer) === next && this.queues.delete(cmd.transfer)).catch(() => {});
    return next;
  }

  private async dispatch(cmd: TransferCommand): Promise<unknown> {
    switch (cmd.op) {
      case 'begin':
        return this.begin(cmd);
      case 'chunk':
        return this.chunk(cmd);
      case 'status':
        return this.state(cmd.transfer);
      case 'commit':
        return this.commit(cmd.transfer);
      case 'abort':
        this.remove(cmd.transfer);
        return { transfer: cmd.transfer, aborted: true };
    }
  }

  /** Deletes transfers idle longer than staleMs; returns their ids. */
  cleanStale(now = Date.now()): string[] {
    const removed: string[] = [];
    for (const id of this.transferIds()) {
      if (this.queues.has(id)) continue;
      const folder = join(this.dir, id);
      const times = [folder, join(folder, PARTIAL), join(folder, CHUNKS), join(folder, DONE)].filter((p) => existsSync(p)).map((p) => statSync(p).mtimeMs);
      if (now - Math.max(...times) > this.limits.staleMs) {
        this.remove(id);
        removed.push(id);
      }
    }
    if (removed.length > 0) this.log('info', 'stale transfers removed', { transfers: removed });
    return removed;
  }

  /** Folders under incoming/ that can be transfers (anything else there is left alone). */
  private transferIds(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir, { withFileTypes: true }).filter((e) => e.isDirectory() && TRANSFER_ID_PATTERN.test(e.name)).map((e) => e.name);
  }

  private folder(id: string): string {
    // The command schema already refuses these; a folder that is deleted whole is checked twice.
    if (!TRANSFER_ID_PATTERN.test(id)) throw new ArcEdgeError('COMMAND_INVALID', `transfer id "${id.slice(0, 64)}" is not valid`, { details: { path: 'transfer' } });
    return join(this.dir, id);
  }

  private declaration(id: string): { decl: Declaration; complete: boolean } | undefined {
    const folder = this.folder(id);
    for (const [file, complete] of [[DONE, true], [PARTIAL, false]] as const) {
      const path = join(folder, file);
      if (existsSync(path)) {
        const d = JSON.parse(readFileSync(path, 'utf8')) as Declaration;
        // transfer.json holds the contract's fields only (no chunkBytes): report one chunk.
        return { decl: complete ? { ...d, chunkBytes: d.chunkBytes ?? d.bytes } : d, complete };
      }
    }
    return undefined;
  }

  private received(id: string): Set<number> {
    let set = this.have.get(id);
    if (!set) {
      const chunksDir = join(this.folder(id), CHUNKS);
      set = new Set(existsSync(chunksDir) ? readdirSync(chunksDir).filter((f) => /^\d+$/.test(f)).map(Number) : []);
      this.have.set(id, set);
    }
    return set;
  }

  private stateOf(id: string, decl: Declaration, complete: boolean): TransferState {
    const chunks = chunkCount(decl);
    const have = complete ? undefined : this.received(id);
    const missing: number[] = [];
    if (have) for (let i = 0; i < chunks; i++) if (!have.has(i)) missing.push(i);
    const { kind, name, bytes, sha256, chunkBytes } = decl;
    return { transfer: id, kind, name, bytes, sha256, chunkBytes, chunks, received: chunks - missing.length, missing, complete };
  }

  state(id: string): TransferState {
    const found = this.declaration(id);
    if (!found) {
      throw new ArcEdgeError('TRANSFER_UNKNOWN', `no transfer "${id}" on this device (never begun, aborted or removed as stale)`, { details: { transfer: id } });
    }
    return this.stateOf(id, found.decl, found.complete);
  }

  private begin(cmd: Extract<TransferCommand, { op: 'begin' }>): TransferState {
    let existing = this.declaration(cmd.transfer);
    if (existing?.complete && !existsSync(join(this.folder(cmd.transfer), existing.decl.kind === 'model-package' ? 'package' : 'gallery.db'))) {
      this.remove(cmd.transfer); // applied and cleared away since: send it again
      existing = undefined;
    }
    if (existing) {
      const d = existing.complete ? { ...existing.decl, chunkBytes: cmd.chunkBytes } : existing.decl;
      if (d.kind !== cmd.kind || d.bytes !== cmd.bytes || d.sha256 !== cmd.sha256 || d.chunkBytes !== cmd.chunkBytes) {
        throw new ArcEdgeError('TRANSFER_CONFLICT', `transfer "${cmd.transfer}" exists for ${d.kind} ${d.name} (${d.bytes} bytes, sha256 ${d.sha256.slice(0, 12)}…, chunks of ${d.chunkBytes})`, {
          details: { transfer: cmd.transfer, existing: d },
        });
      }
      return this.stateOf(cmd.transfer, d, existing.complete); // a resume
    }
    this.cleanStale();
    const { maxBytes, reserveBytes = 32 * 1024 * 1024 } = this.limits;
    if (cmd.bytes > maxBytes) {
      throw new ArcEdgeError('TRANSFER_TOO_LARGE', `the ${cmd.kind} ${cmd.name} is ${cmd.bytes} bytes; this device accepts at most ${maxBytes} (transfers.maxBytes)`, {
        details: { bytes: cmd.bytes, maxBytes },
      });
    }
    // The quota covers everything under incoming/: unfinished transfers at their declared size,
    // committed ones (never applied, or kept) at what they hold on disk, and anything else there.
    const pending = this.pending();
    const pendingBytes = pending.reduce((sum, p) => sum + p.bytes, 0);
    if (pendingBytes + cmd.bytes > maxBytes) {
      throw new ArcEdgeError('TRANSFER_TOO_LARGE', `${pending.length} transfer(s) under ${this.dir} hold ${pendingBytes} bytes; with this one (${cmd.bytes}) that is over transfers.maxBytes ${maxBytes}`, {
        fix: `apply or abort them (transfer op abort: ${pending.map((p) => p.transfer).join(', ')}), or wait: they are removed after transfers.staleHours`,
        details: { pending, maxBytes },
      });
    }
    const fs = statfsSync(this.dir);
    const free = Number(fs.bavail) * Number(fs.bsize);
    // Two copies at the peak: the chunks, then the staged package beside the reassembled file.
    const need = 2 * cmd.bytes + reserveBytes;
    if (free < need) {
      throw new ArcEdgeError('TRANSFER_TOO_LARGE', `the device has ${free} bytes free in ${this.dir}; the ${cmd.bytes}-byte ${cmd.kind} needs ${need} while it is staged`, {
        fix: 'free disk space on the device (old packages, logs), then deploy again',
        details: { free, need, dir: this.dir },
      });
    }
    const folder = this.folder(cmd.transfer);
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(join(folder, CHUNKS), { recursive: true });
    const decl: Declaration = { kind: cmd.kind, name: cmd.name, bytes: cmd.bytes, sha256: cmd.sha256, chunkBytes: cmd.chunkBytes, begun: new Date().toISOString() };
    writeJsonAtomic(join(folder, PARTIAL), decl);
    this.have.set(cmd.transfer, new Set());
    this.log('info', 'transfer begun', { transfer: cmd.transfer, kind: cmd.kind, name: cmd.name, bytes: cmd.bytes, chunks: chunkCount(decl) });
    return this.stateOf(cmd.transfer, decl, false);
  }

  /** What each folder under incoming/ counts against the quota. */
  private pending(): { transfer: string; bytes: number }[] {
    const out: { transfer: string; bytes: number }[] = [];
    if (!existsSync(this.dir)) return out;
    for (const entry of readdirSync(this.dir, { withFileTypes: true })) {
      const path = join(this.dir, entry.name);
      const onDisk = diskBytes(path);
      const found = entry.isDirectory() && TRANSFER_ID_PATTERN.test(entry.name) ? this.declarationOrUndefined(entry.name) : undefined;
      const bytes = found && !found.complete ? Math.max(found.decl.bytes, onDisk) : onDisk;
      if (bytes > 0) out.push({ transfer: entry.name, bytes });
    }
    return out;
  }

  private declarationOrUndefined(id: string): { decl: Declaration; complete: boolean } | undefined {
    try {
      return this.declaration(id);
    } catch {
      return undefined; // an unreadable declaration: counted by its bytes on disk
    }
  }

  private async chunk(cmd: Extract<TransferCommand, { op: 'chunk' }>): Promise<{ transfer: string; index: number; received: number; chunks: number }> {
    const found = this.declaration(cmd.transfer);
    if (!found) throw new ArcEdgeError('TRANSFER_UNKNOWN', `no transfer "${cmd.transfer}" on this device; send begin first`, { details: { transfer: cmd.transfer } });
    const { decl, complete } = found;
    const chunks = chunkCount(decl);
    if (complete) return { transfer: cmd.transfer, index: cmd.index, received: chunks, chunks };
    if (cmd.index >= chunks) {
      throw new ArcEdgeError('TRANSFER_CHUNK_INVALID', `chunk ${cmd.index} of transfer "${cmd.transfer}" is out of range (it has ${chunks} chunks)`, { details: { index: cmd.index, chunks } });
    }
    const data = Buffer.from(cmd.data, 'base64');
    const expected = cmd.index === chunks - 1 ? decl.bytes - cmd.index * decl.chunkBytes : decl.chunkBytes;
    const sha256 = createHash('sha256').update(data).digest('hex');
    if (data.length !== expected || sha256 !== cmd.sha256) {
      throw new ArcEdgeError('TRANSFER_CHUNK_INVALID', `chunk ${cmd.index} of transfer "${cmd.transfer}" has ${data.length} bytes and sha256 ${sha256.slice(0, 12)}…; expected ${expected} bytes and ${cmd.sha256.slice(0, 12)}…`, {
        details: { index: cmd.index, bytes: data.length, expectedBytes: expected },
      });
    }
    const have = this.received(cmd.transfer);
    if (!have.has(cmd.index)) {
      const path = join(this.folder(cmd.transfer), CHUNKS, String(cmd.index));
      const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
      try {
        await writeFile(tmp, data, { mode: 0o600 });
        await rename(tmp, path);
      } catch (error) {
        await rm(tmp, { force: true });
        throw new ArcEdgeError('STORAGE_WRITE_FAILED', `cannot store chunk ${cmd.index} in ${path}: ${(error as Error).message}`, { cause: error });
      }
      have.add(cmd.index);
    }
    return { transfer: cmd.transfer, index: cmd.index, received: have.size, chunks };
  }

  /** Reassembles, checks the sha256, stages package/ or gallery.db, then writes transfer.json. */
  private async commit(id: string): Promise<TransferState> {
    const state = this.state(id);
    if (state.complete) return state;
    if (state.missing.length > 0) {
      throw new ArcEdgeError('TRANSFER_INCOMPLETE', `transfer "${id}" still misses ${state.missing.length} of ${state.chunks} chunks`, {
        details: { missing: state.missing.slice(0, 1000) },
      });
    }
    const folder = this.folder(id);
    let sha256: string;
    try {
      sha256 = await stage(folder, state, this.limits.maxBytes);
    } catch (error) {
      this.remove(id); // a bad chunk on disk or an unsafe archive: start over rather than keep any of it
      throw error;
    }
    const { kind, name, bytes } = state;
    writeJsonAtomic(join(folder, DONE), { kind, name, bytes, sha256, complete: true });
    rmSync(join(folder, CHUNKS), { recursive: true, force: true });
    rmSync(join(folder, PARTIAL), { force: true });
    this.have.delete(id);
    this.log('info', 'transfer complete', { transfer: id, kind, name, bytes });
    return this.stateOf(id, { ...state, begun: '' }, true);
  }

  private remove(id: string): void {
    rmSync(this.folder(id), { recursive: true, force: true });
    this.have.delete(id);
  }
}
