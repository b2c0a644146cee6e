/**
 * The one tar module: the package reader and writer (packages travel to devices as a .tar) and
 * the in-memory reader for npm tarballs (.tgz, gunzipped here) that model sets are fetched from.
 * Written here rather than taken from a package because a device unpacks what arrives over the
 * network, so the package reader is
 * deliberately narrow: plain files and directories only, relative paths without `..`, sizes and
 * entry counts bounded, nothing ever overwritten. Format: POSIX ustar (IEEE 1003.1-1988), plus the
 * two extensions common tars emit for long names: pax `x`/`g` headers (POSIX.1-2001) and GNU `L`.
 *
 * Header fields (offset, length): name 0/100, mode 100/8, size 124/12, mtime 136/12, chksum
 * 148/8, typeflag 156/1, linkname 157/100, magic 257/6, prefix 345/155; 512-byte blocks; the
 * checksum is the byte sum of the header with the chksum field read as eight spaces.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ArcEdgeError } from '../errors.ts';

const BLOCK = 512;
const COPY_BYTES = 1 << 20;

export interface ExtractLimits {
  /** Sum of file sizes, bytes. */
  readonly maxBytes: number;
  /** Files and directories. */
  readonly maxEntries?: number;
}

export interface ExtractResult {
  readonly files: number;
  readonly bytes: number;
}

const pad = (n: number): number => (BLOCK - (n % BLOCK)) % BLOCK;

function octal(field: Buffer, what: string, archive: string): number {
  if (field[0]! & 0x80) throw new ArcEdgeError('ARCHIVE_TOO_LARGE', `${archive}: ${what} uses the base-256 encoding (over 8 GiB)`, { details: { archive } });
  const text = field.toString('latin1').replace(/\0.*$/s, '').trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new ArcEdgeError('ARCHIVE_INVALID', `${archive}: ${what} "${text.slice(0, 20)}" is not an octal number`, { details: { archive } });
  return parseInt(text, 8);
}

/**
 * A pax `size`: decimal digits only, a safe integer. Number() would take "-1048576", "0x10",
 * "1e3" or "" (0); a negative size moved the read position backwards and extracted the same
 * bytes again under new names (a disk-filling tar GNU tar refuses).
 */
function paxSizeOf(text: string | undefined, archive: string): number {
  const size = text !== undefined && /^[0-9]{1,16}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new ArcEdgeError('ARCHIVE_INVALID', `${archive}: pax size "${String(text).slice(0, 20)}" is not a non-negative decimal integer`, {
      fix: 'repack the archive with GNU tar or `arcedge package`; a pax size is plain decimal digits',
      details: { archive },
    });
  }
  return size;
}

const cString = (field: Buffer): string => field.toString('utf8').replace(/\0.*$/s, '');

function checksumOf(header: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  return sum;
}

/** pax records: "<len> <key>=<value>\n" repeated. */
function paxRecords(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const len = space > at ? Number(data.toString('latin1', at, space)) : NaN;
    if (!Number.isInteger(len) || len <= 0 || at + len > data.length) break;
    const record = data.toString('utf8', space + 1, at + len - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    at += len;
  }
  return out;
}

/** A relative path that stays inside the destination, or ARCHIVE_UNSAFE naming it. */
function safeRelative(name: string, archive: string): string {
  const trimmed = name.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  if (trimmed === '' && !name.startsWith('/')) return '';
  const parts = trimmed.split('/');
  const bad =
    name.startsWith('/') ||
    /^[A-Za-z]:/.test(name) ||
    name.includes('\\') ||
    /[\0-\x1f]/.test(name) ||
    parts.some((p) => p === '..' || p === '');
  if (bad) {
    throw new ArcEdgeError('ARCHIVE_UNSAFE', `${archive}: entry "${name.slice(0, 200)}" has an absolute path, a "..", a backslash or a control character`, {
      details: { archive, entry: name.slice(0, 200) },
    });
  }
  return parts.filter((p) => p !== '.').join('/');
}

/** mkdir -p, with a file in the way (an entry "a" then "a/b") reported as the archive's fault. */
function makeDir(path: string, entry: string, archive: string): void {
  try {
    mkdirSync(path, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') {
      throw new ArcEdgeError('ARCHIVE_UNSAFE', `${archive}: "${entry.slice(0, 200)}" needs a folder where the archive already put a file`, { details: { archive, entry: entry.slice(0, 200) } });
    }
    throw new ArcEdgeError('STORAGE_WRITE_FAILED', `cannot create ${path}: ${(error as Error).message}`, { cause: error });
  }
}

async function readExactly(fh: FileHandle, buffer: Buffer, position: number, archive: string, what: string): Promise<void> {
  const { bytesRead } = await fh.read(buffer, 0, buffer.length, position);
  if (bytesRead !== buffer.length) throw new ArcEdgeError('ARCHIVE_INVALID', `${archive} is truncated inside ${what}`, { details: { archive } });
}

/**
 * Unpacks `archive` into `dest` (created; it must not exist or be empty). Throws ARCHIVE_UNSAFE,
 * ARCHIVE_INVALID or ARCHIVE_TOO_LARGE naming the entry; what was written before the error stays
 * in `dest` for the caller to remove (it owns the folder).
 */
export async function extractTar(archive: string, dest: string, limits: ExtractLimits): Promise<ExtractResult> {
  const maxEntries = limits.maxEntries ?? 10_000;
  if (!Number.isSafeInteger(limits.maxBytes) || limits.maxBytes < 0) throw new ArcEdgeError('INVALID_ARGUMENT', `extract limit maxBytes ${limits.maxBytes} is not a non-negative integer`);
  if (existsSync(dest) && readdirSync(dest).length > 0) throw new ArcEdgeError('INVALID_ARGUMENT', `extract destination ${dest} is not empty`);
  mkdirSync(dest, { recursive: true });
  const root = resolve(dest);
  const fh = await open(archive, 'r');
  try {
    const total = (await fh.stat()).size;
    // Every byte written is read once from the archive at a strictly increasing position, so what
    // lands on disk can never exceed the archive itself, whatever the headers claim.
    const cap = Math.min(limits.maxBytes, total);
    const header = Buffer.alloc(BLOCK);
    let at = 0;
    let files = 0;
    let entries = 0;
    let bytes = 0;
    let longName: string | undefined;
    let paxPath: string | undefined;
    let paxSize: number | undefined;
    for (let last = -1; ; ) {
      if (at <= last) throw new ArcEdgeError('ARCHIVE_INVALID', `${archive}: the read position went back to byte ${at}`, { details: { archive, offset: at } });
      last = at;
      if (at + BLOCK > total) throw new ArcEdgeError('ARCHIVE_INVALID', `${archive} ends without the end-of-archive marker (truncated?)`, { details: { archive } });
      await readExactly(fh, header, at, archive, 'a header');
      at += BLOCK;
      if (header.every((b) => b === 0)) break; // end of archive (a second zero block may follow)
      if (octal(header.subarray(148, 156), 'header checksum', archive) !== checksumOf(header)) {
        throw new ArcEdgeError('ARCHIVE_INVALID', `${archive}: header checksum mismatch at byte ${at - BLOCK}`, { details: { archive, offset: at - BLOCK } });
      }
      const type = String.fromCharCode(header[156]!);
      const size = paxSize ?? octal(header.subarray(124, 136), 'entry size', archive);
      if (!Number.isSafeInteger(size) || size < 0) throw new ArcEdgeError('ARCHIVE_INVALID', `${archive}: entry size ${size} at byte ${at - BLOCK}`, { details: { archive } });
      const prefix = header.toString('latin1', 257, 262) === 'ustar' ? cString(header.subarray(345, 500)) : '';
      const rawName = longName ?? paxPath ?? (prefix ? `${prefix}/${cString(header.subarray(0, 100))}` : cString(header.subarray(0, 100)));
      if (at + size > total) throw new ArcEdgeError('ARCHIVE_INVALID', `${archive} is truncated inside "${rawName.slice(0, 200)}"`, { details: { archive } });
      if (type === 'x' || type === 'g' || type === 'L') {
        // Metadata for the next entry: bounded, since it is held in memory.
        if (size > 1 << 20) throw new ArcEdgeError('ARCHIVE_TOO_LARGE', `${archive}: a ${type} header of ${size} bytes`, { details: { archive } });
        const data = Buffer.alloc(size);
        await readExactly(fh, data, at, archive, `a ${type} header`);
        at += size + pad(size);
        if (type === 'L') longName = cString(data);
        else if (type === 'x') {
          const records = paxRecords(data);
          if (records.has('path')) paxPath = records.get('path');
          if (records.has('size')) paxSize = paxSizeOf(records.get('size'), archive);
          if (records.has('linkpath')) throw new ArcEdgeError('ARCHIVE_UNSAFE', `${archive}: a pax header declares a link (linkpath)`, { details: { archive } });
        }
        continue;
      }
      longName = undefined;
      paxPath = undefined;
      paxSize = undefined;
      if (++entries > maxEntries) throw new ArcEdgeError('ARCHIVE_TOO_LARGE', `${archive} has more than ${maxEntries} entries`, { details: { archive, maxEntries } });
      const name = safeRelative(rawName, archive);
      const isFile = type === '0' || type === '\0' || type === '7';
      if (!isFile && type !== '5') {
        const kind = { '1': 'a hard link', '2': 'a symbolic link', '3': 'a character device', '4': 'a block device', '6': 'a FIFO' }[type] ?? `an entry of type "${type}"`;
        throw new ArcEdgeError('ARCHIVE_UNSAFE', `${archive}: "${rawName.slice(0, 200)}" is ${kind}; only plain files and directories are accepted`, {
          details: { archive, entry: rawName.slice(0, 200), type },
        });
      }
      const target = resolve(root, name);
      if (target !== root && !target.startsWith(root + sep)) {
        throw new ArcEdgeError('ARCHIVE_UNSAFE', `${archive}: "${rawName.slice(0, 200)}" resolves outside the destination`, { details: { archive, entry: rawName.slice(0, 200) } });
      }
      if (type === '5') {
        if (size !== 0) throw new ArcEdgeError('ARCHIVE_INVALID', `${archive}: directory "${name}" has a size`, { details: { archive } });
        if (name !== '') makeDir(target, rawName, archive);
        continue;
      }
      if (name === '') throw new ArcEdgeError('ARCHIVE_UNSAFE', `${archive}: a file entry has an empty name`, { details: { archive } });
      if (bytes + size > cap) {
        throw new ArcEdgeError('ARCHIVE_TOO_LARGE', `${archive} unpacks to more than ${cap} bytes (at "${name}")`, { details: { archive, maxBytes: cap } });
      }
      makeDir(resolve(target, '..'), rawName, archive);
      // 'wx': a second entry with the same name is an error, never a silent overwrite.
      const out = await open(target, 'wx', 0o644).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'EEXIST') throw new ArcEdgeError('ARCHIVE_UNSAFE', `${archive}: "${name}" appears twice`, { details: { archive, entry: name } });
        throw new ArcEdgeError('STORAGE_WRITE_FAILED', `cannot write ${target}: ${error.message}`, { cause: error });
      });
      try {
        const buffer = Buffer.alloc(Math.min(COPY_BYTES, Math.max(size, 1)));
        for (let done = 0; done < size; ) {
          const n = Math.min(buffer.length, size - done);
          const { bytesRead } = await fh.read(buffer, 0, n, at + done);
          if (bytesRead !== n) throw new ArcEdgeError('ARCHIVE_INVALID', `${archive} is truncated inside "${name}"`, { details: { archive } });
          // Counted as written, not as declared: the cap holds even if a header lied.
          const { bytesWritten } = await out.write(buffer, 0, n);
          bytes += bytesWritten;
          if (bytes > cap) throw new ArcEdgeError('ARCHIVE_TOO_LARGE', `${archive} unpacks to more than ${cap} bytes (at "${name}")`, { details: { archive, maxBytes: cap } });
          done += n;
        }
      } finally {
        await out.close();
      }
      at += size + pad(size);
      files++;
    }
    return { files, bytes };
  } finally {
    await fh.close();
  }
}

function listTree(dir: string, root = dir, out: { path: string; dir: boolean; size: number }[] = []) {
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    const st = lstatSync(path); // lstat: a symlink is refused, never followed
    const rel = relative(root, path).split(sep).join('/');
    if (st.isDirectory()) {
      out.push({ path: rel, dir: true, size: 0 });
      listTree(path, root, out);
    } else if (st.isFile()) out.push({ path: rel, dir: false, size: st.size });
    else throw new ArcEdgeError('ARCHIVE_UNSAFE', `${path} is not a plain file or directory; packages hold plain files only`, { details: { path } });
  }
  return out;
}

function ustarHeader(name: string, size: number, dir: boolean): Buffer {
  const header = Buffer.alloc(BLOCK);
  let base = name;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 155);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100 || Buffer.byteLength(name.slice(0, cut)) > 155) {
      throw new ArcEdgeError('INVALID_ARGUMENT', `path "${name}" is too long for a tar header (100 + 155 bytes)`, { fix: 'shorten the file or folder names in the package' });
    }
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  header.write(base, 0, 100, 'utf8');
  header.write(dir ? '0000755\0' : '0000644\0', 100, 'latin1');
  header.write('0000000\0', 108, 'latin1');
  header.write('0000000\0', 116, 'latin1');
  header.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  header.write('00000000000\0', 136, 'latin1'); // mtime 0: the same package gives the same bytes (and hash)
  header[156] = (dir ? '5' : '0').charCodeAt(0);
  header.write('ustar\0', 257, 'latin1');
  header.write('00', 263, 'latin1');
  header.write(prefix, 345, 155, 'utf8');
  header.write(`${checksumOf(header).toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return header;
}

/**
 * Writes `dir`'s files and folders (sorted, relative names, mtime 0, modes 644/755) to `out` as
 * ustar; symlinks and special files are refused. The same tree always gives the same bytes.
 */
export async function createTar(dir: string, out: string): Promise<{ bytes: number; files: number }> {
  const entries = listTree(dir);
  const fh = await open(out, 'w');
  let bytes = 0;
  try {
    for (const e of entries) {
      const name = e.dir ? `${e.path}/` : e.path;
      await fh.write(ustarHeader(name, e.size, e.dir));
      bytes += BLOCK;
      if (e.dir) continue;
      const src = await open(join(dir, e.path), 'r');
      try {
        const buffer = Buffer.alloc(Math.min(COPY_BYTES, Math.max(e.size, 1)));
        for (let done = 0; done < e.size; ) {
          const { bytesRead } = await src.read(buffer, 0, Math.min(buffer.length, e.size - done), done);
          if (bytesRead === 0) throw new ArcEdgeError('STORAGE_WRITE_FAILED', `${join(dir, e.path)} shrank while it was being archived`);
          await fh.write(buffer, 0, bytesRead);
          done += bytesRead;
        }
      } finally {
        await src.close();
      }
      const padding = pad(e.size);
      if (padding) await fh.write(Buffer.alloc(padding));
      bytes += e.size + padding;
    }
    await fh.write(Buffer.alloc(2 * BLOCK));
    bytes += 2 * BLOCK;
  } finally {
    await fh.close();
  }
  return { bytes, files: entries.filter((e) => !e.dir).length };
}

export interface TarEntry {
  readonly path: string;
  /** '0' regular file, '5' directory, others are links/devices. */
  readonly type: string;
  readonly data: Buffer;
}

/**
 * Every entry of an in-memory tar archive, gunzipped first when it starts with the gzip magic:
 * npm tarballs (plain ustar with a 155-byte prefix for long paths), and the GNU `L` and pax
 * `path` records hand-made tarballs use. Headers are read with the same checks as extractTar;
 * nothing is written anywhere, so links and odd paths are listed, not refused (callers look up
 * one regular file by name). Throws ARCHIVE_INVALID on a malformed header.
 */
export function readTar(archive: Buffer, name = 'tar archive'): TarEntry[] {
  const tar = archive[0] === 0x1f && archive[1] === 0x8b ? gunzipSync(archive) : archive;
  const entries: TarEntry[] = [];
  let longName: string | undefined;
  let paxPath: string | undefined;
  let at = 0;
  while (at + BLOCK <= tar.length) {
    const header = tar.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) break; // end-of-archive marker
    if (octal(header.subarray(148, 156), 'header checksum', name) !== checksumOf(header)) {
      throw new ArcEdgeError('ARCHIVE_INVALID', `${name}: header checksum mismatch at byte ${at}`, { details: { archive: name, offset: at } });
    }
    const size = octal(header.subarray(124, 136), 'entry size', name);
    const type = header[156] ? String.fromCharCode(header[156]) : '0';
    const start = at + BLOCK;
    if (start + size > tar.length) throw new ArcEdgeError('ARCHIVE_INVALID', `${name}: the entry at byte ${at} runs past the end of the archive`, { details: { archive: name } });
    const data = tar.subarray(start, start + size);
    at = start + size + pad(size);
    if (type === 'L') longName = cString(data);
    else if (type === 'x') paxPath = paxRecords(data).get('path') ?? paxPath;
    if (type === 'L' || type === 'x' || type === 'g') continue;
    const prefix = header.toString('latin1', 257, 262) === 'ustar' ? cString(header.subarray(345, 500)) : '';
    const base = cString(header.subarray(0, 100));
    entries.push({ path: longName ?? paxPath ?? (prefix ? `${prefix}/${base}` : base), type, data });
    longName = undefined;
    paxPath = undefined;
  }
  return entries;
}

/** The bytes of one regular file of an in-memory (optionally gzipped) tar; `path` is compared without a leading "./". */
export function extractTarFile(archive: Buffer, path: string): Buffer | undefined {
  const want = path.replace(/^\.\//, '');
  return readTar(archive).find((e) => e.type === '0' && e.path.replace(/^\.\//, '') === want)?.data;
}
