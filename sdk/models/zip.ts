/**
 * A minimal zip reader: the central directory (the authority on names and sizes; local headers
 * may carry zeros when a data descriptor follows), stored and deflated members, zip64 sizes.
 * Format facts from PKWARE's APPNOTE.TXT (sections 4.3.7, 4.3.12, 4.3.16, 4.5.3).
 */
import { crc32, inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly crc32: number;
  readonly localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX32 = 0xffffffff;

function u64(buf: Buffer, at: number): number {
  return Number(buf.readBigUInt64LE(at));
}

function findEocd(zip: Buffer): number {
  // The record is 22 bytes plus a comment of at most 65535 bytes, so it sits in the last 64 KiB.
  const stop = Math.max(0, zip.length - 22 - 0xffff);
  for (let at = zip.length - 22; at >= stop; at--) if (zip.readUInt32LE(at) === EOCD) return at;
  throw new Error('not a zip archive (no end-of-central-directory record)');
}

/** Every entry listed in the central directory. */
export function readZipDirectory(zip: Buffer): ZipEntry[] {
  const eocd = findEocd(zip);
  let count = zip.readUInt16LE(eocd + 10);
  let dirOffset = zip.readUInt32LE(eocd + 16);
  if ((count === 0xffff || dirOffset === MAX32) && eocd >= 20 && zip.readUInt32LE(eocd - 20) === ZIP64_LOCATOR) {
    const rec = u64(zip, eocd - 20 + 8);
    if (zip.readUInt32LE(rec) !== ZIP64_EOCD) throw new Error('zip64 end-of-central-directory record not found');
    count = u64(zip, rec + 32);
    dirOffset = u64(zip, rec + 48);
  }
  const entries: ZipEntry[] = [];
  let at = dirOffset;
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== CENTRAL) throw new Error(`bad central directory entry ${i} at byte ${at}`);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    let size = zip.readUInt32LE(at + 24);
    let compressedSize = zip.readUInt32LE(at + 20);
    let localHeaderOffset = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    // zip64 extra field (id 1): only the fields that overflowed are present, in this order.
    let extra = at + 46 + nameLength;
    const extraEnd = extra + extraLength;
    while (extra + 4 <= extraEnd) {
      const id = zip.readUInt16LE(extra);
      const len = zip.readUInt16LE(extra + 2);
      if (id === 1) {
        let f = extra + 4;
        if (size === MAX32) (size = u64(zip, f)), (f += 8);
        if (compressedSize === MAX32) (compressedSize = u64(zip, f)), (f += 8);
        if (localHeaderOffset === MAX32) localHeaderOffset = u64(zip, f);
      }
      extra += 4 + len;
    }
    entries.push({ name, method: zip.readUInt16LE(at + 10), compressedSize, size, crc32: zip.readUInt32LE(at + 16), localHeaderOffset });
    at = extraEnd + commentLength;
  }
  return entries;
}

/** The uncompressed bytes of one entry, checked against its CRC-32 and size. */
export function readZipEntry(zip: Buffer, entry: ZipEntry): Buffer {
  const at = entry.localHeaderOffset;
  if (zip.readUInt32LE(at) !== LOCAL) throw new Error(`bad local header for ${entry.name}`);
  const start = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
  const raw = zip.subarray(start, start + entry.compressedSize);
  let data: Buffer;
  if (entry.method === 0) data = raw;
  else if (entry.method === 8) data = inflateRawSync(raw);
  else throw new Error(`${entry.name}: unsupported compression method ${entry.method} (only stored and deflate)`);
  if (data.length !== entry.size) throw new Error(`${entry.name}: ${data.length} bytes after inflating, the directory says ${entry.size}`);
  if (crc32(data) >>> 0 !== entry.crc32 >>> 0) throw new Error(`${entry.name}: CRC-32 mismatch (the archive is corrupt)`);
  return data;
}

/**
 * Finds `member` by exact path; failing that, the single entry whose base name equals the
 * member's (some release zips wrap their files in a folder named after the pack).
 */
export function extractZipMember(zip: Buffer, member: string): Buffer | undefined {
  const entries = readZipDirectory(zip).filter((e) => !e.name.endsWith('/'));
  let hit = entries.find((e) => e.name === member);
  if (!hit) {
    const base = member.split('/').pop();
    const byBase = entries.filter((e) => e.name.split('/').pop() === base);
    if (byBase.length === 1) hit = byBase[0];
  }
  return hit ? readZipEntry(zip, hit) : undefined;
}
