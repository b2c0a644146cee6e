/**
 * A minimal reader for npm package tarballs (.tgz): gunzip, then ustar headers. npm writes plain
 * ustar with a 155-byte prefix for long paths; GNU long names ('L') and pax 'path' records
 * ('x') are handled too because hand-made tarballs use them.
 */
import { gunzipSync } from 'node:zlib';

export interface TarEntry {
  readonly path: string;
  /** '0' (or NUL) regular file, '5' directory, others are links/devices. */
  readonly type: string;
  readonly data: Buffer;
}

const BLOCK = 512;

function cString(buf: Buffer, start: number, length: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('utf8', start, end === -1 || end > start + length ? start + length : end);
}

/** Sizes are NUL/space-terminated octal, or base-256 when the high bit of the first byte is set. */
function parseSize(buf: Buffer, start: number): number {
  if ((buf[start]! & 0x80) !== 0) {
    let value = 0;
    for (let i = start + 1; i < start + 12; i++) value = value * 256 + buf[i]!;
    return value;
  }
  const text = cString(buf, start, 12).trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function checksumOk(header: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  return sum === parseSize(header, 148);
}

function paxPath(data: Buffer): string | undefined {
  // Records are "<len> key=value\n".
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space === -1) break;
    const len = parseInt(data.toString('utf8', at, space), 10);
    if (!Number.isFinite(len) || len <= 0) break;
    const record = data.toString('utf8', space + 1, at + len - 1);
    const eq = record.indexOf('=');
    if (record.slice(0, eq) === 'path') return record.slice(eq + 1);
    at += len;
  }
  return undefined;
}

/** Every entry of a tar archive (gzip-compressed or not). Throws on a malformed header. */
export function readTar(archive: Buffer): TarEntry[] {
  const tar = archive[0] === 0x1f && archive[1] === 0x8b ? gunzipSync(archive) : archive;
  const entries: TarEntry[] = [];
  let nextPath: string | undefined;
  let at = 0;
  while (at + BLOCK <= tar.length) {
    const header = tar.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) break; // end-of-archive marker
    if (!checksumOk(header)) throw new Error(`tar header checksum mismatch at byte ${at}`);
    const size = parseSize(header, 124);
    const type = String.fromCharCode(header[156] || 0x30);
    const dataStart = at + BLOCK;
    if (dataStart + size > tar.length) throw new Error(`tar entry at byte ${at} runs past the end of the archive`);
    const data = tar.subarray(dataStart, dataStart + size);
    at = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'L') {
      nextPath = cString(data, 0, data.length);
      continue;
    }
    if (type === 'x') {
      nextPath = paxPath(data) ?? nextPath;
      continue;
    }
    if (type === 'g') continue;
    const name = cString(header, 0, 100);
    const prefix = header.toString('latin1', 257, 262) === 'ustar' ? cString(header, 345, 155) : '';
    const path = nextPath ?? (prefix ? `${prefix}/${name}` : name);
    nextPath = undefined;
    entries.push({ path, type: type === '\0' ? '0' : type, data });
  }
  return entries;
}

/** The bytes of one regular file; `path` is compared after stripping a leading "./". */
export function extractTarFile(archive: Buffer, path: string): Buffer | undefined {
  const want = path.replace(/^\.\//, '');
  return readTar(archive).find((e) => e.type === '0' && e.path.replace(/^\.\//, '') === want)?.data;
}
