/**
 * Frames from the main process to a pipeline process through shared memory: each camera has a
 * ring of SLOTS files in /dev/shm (tmpfs: RAM, no disk), the main process writes a frame into the
 * next one and sends only its name over IPC, and the pipeline process reads it back. Sent inline
 * over the IPC channel instead, a frame goes through a socket buffer of ~200 KB: the two processes
 * take turns moving it chunk by chunk, and the pipeline process, busy in session.run, only reads
 * once its batch is done; the bench measured 4-9 ms of idle pipeline time per 640x360 frame under
 * load, against well under a millisecond for a write and a read of the slot file.
 *
 * Ring size: the host keeps at most IN_FLIGHT (2) batches per process, and a process reads a
 * batch's slots when it starts that batch, before it answers it. So when a camera's frame k+2 is
 * written, frame k was read (its batch was answered) and only frame k+1 may be unread: three
 * slots never overwrite an unread frame.
 *
 * Where /dev/shm is missing, full or not writable, frames go inline over IPC as before.
 */
import { closeSync, constants, existsSync, openSync, readdirSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const SLOTS = 3;
const SHM = '/dev/shm';
const PREFIX = 'arcedge-frames-';

/** A frame in a slot file: the pipeline process reads `bytes` bytes of `path` from offset 0. */
export interface FrameSlot {
  readonly path: string;
  readonly bytes: number;
}

/** Slot files of agents that are gone (kill -9 leaves them): removed when the next agent starts. */
function removeStale(dir: string): void {
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(PREFIX)) continue;
    const pid = Number(name.slice(PREFIX.length).split('-')[0]);
    let alive = pid === process.pid;
    if (!alive && pid > 0) {
      try {
        process.kill(pid, 0);
        alive = true;
      } catch (error) {
        alive = (error as NodeJS.ErrnoException).code === 'EPERM';
      }
    }
    if (!alive) {
      try {
        unlinkSync(join(dir, name));
      } catch {}
    }
  }
}

/** The main process's side: one ring per (process, camera), written with one synchronous write. */
export class FrameSlotWriter {
  private readonly rings = new Map<string, { fds: number[]; paths: string[]; next: number }>();
  private disabled: boolean;

  constructor(private readonly dir: string = SHM) {
    this.disabled = !existsSync(dir);
    if (!this.disabled) {
      try {
        removeStale(dir);
      } catch {
        this.disabled = true;
      }
    }
  }

  /** Writes the frame into the camera's next slot; undefined (send it inline) when shared memory is unavailable. */
  write(processIndex: number, camera: string, data: Uint8Array): FrameSlot | undefined {
    if (this.disabled) return undefined;
    const key = `${processIndex}/${camera}`;
    let ring = this.rings.get(key);
    try {
      if (!ring) {
        // The camera id goes in as hex: ids are free text, file names are not.
        const base = join(this.dir, `${PREFIX}${process.pid}-${processIndex}-${Buffer.from(camera).toString('hex')}`);
        const paths = Array.from({ length: SLOTS }, (_, i) => `${base}-${i}.bgr`);
        // /dev/shm is writable by every local user and the names are predictable: a planted
        // symlink must not redirect frames into another file (say, the gallery), so each slot is
        // created new (O_EXCL) and never through a link (O_NOFOLLOW). A name that exists already
        // (not ours: stale ones were removed at start) sends frames inline instead.
        const create = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
        const fds: number[] = [];
        try {
          for (const p of paths) fds.push(openSync(p, create, 0o600));
        } catch (error) {
          // Only the slots this call created are closed and removed: a name that was there already is not ours.
          fds.forEach((fd, n) => {
            closeSync(fd);
            unlinkSync(paths[n]!);
          });
          throw error;
        }
        ring = { fds, paths, next: 0 };
        this.rings.set(key, ring);
      }
      const i = ring.next;
      ring.next = (i + 1) % SLOTS;
      let written = 0;
      while (written < data.byteLength) written += writeSync(ring.fds[i]!, data, written, data.byteLength - written, written);
      return { path: ring.paths[i]!, bytes: data.byteLength };
    } catch {
      // ENOSPC (a small /dev/shm in a container), EACCES, ...: inline from now on.
      this.disabled = true;
      return undefined;
    }
  }

  /** Closes and removes every slot file. */
  close(): void {
    for (const ring of this.rings.values()) {
      for (const fd of ring.fds) {
        try {
          closeSync(fd);
        } catch {}
      }
      for (const path of ring.paths) {
        try {
          unlinkSync(path);
        } catch {}
      }
    }
    this.rings.clear();
  }
}

/** The pipeline process's side: reads a slot into a buffer of its own (the frame outlives the slot). */
export class FrameSlotReader {
  private readonly fds = new Map<string, number>();

  read(slot: FrameSlot): Uint8Array {
    let fd = this.fds.get(slot.path);
    if (fd === undefined) {
      fd = openSync(slot.path, 'r');
      this.fds.set(slot.path, fd);
    }
    const data = new Uint8Array(slot.bytes);
    let read = 0;
    while (read < slot.bytes) {
      const n = readSync(fd, data, read, slot.bytes - read, read);
      if (n === 0) throw new Error(`frame slot ${slot.path} holds ${read} of ${slot.bytes} bytes`);
      read += n;
    }
    return data;
  }

  close(): void {
    for (const fd of this.fds.values()) {
      try {
        closeSync(fd);
      } catch {}
    }
    this.fds.clear();
  }
}
