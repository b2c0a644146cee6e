/**
 * Tar bytes written by hand, independently of sdk/storage/tar.ts, so the reader is checked on
 * archives it did not write, among them the unsafe and broken ones GNU tar will not write
 * (`..` and absolute names, links, negative pax sizes). Field offsets are POSIX ustar's
 * (IEEE Std 1003.1, pax "ustar Interchange Format"): name 0, mode 100, uid 108, gid 116,
 * size 124 (11 octal digits + NUL), mtime 136, checksum 148 (8 bytes), type 156, linkname 157,
 * magic "ustar\0" + version "00" at 257. Pax extended headers (type `x`) carry
 * "<length> key=value\n" records, the length counting itself.
 */
export const BLOCK = 512;

/** Rewrites the header's checksum: the byte sum with the checksum field itself read as spaces. */
export function setChecksum(header: Buffer): Buffer {
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += header[i]!;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return header;
}

/** A ustar header block for an entry of `size` bytes; type '0' file, '2' symlink, 'x' pax, 'L' GNU long name. */
export function ustarHeader(name: string, size: number, type = '0', link = ''): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100);
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write(type, 156);
  h.write(link, 157, 100);
  h.write('ustar\0' + '00', 257);
  return setChecksum(h);
}

/** `data` followed by zeros up to the next block boundary. */
export function padToBlock(data: Buffer): Buffer {
  return Buffer.concat([data, Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK)]);
}

/** Pax records, in order: each "<length> key=value\n" with the length that counts its own digits. */
export function paxRecords(records: [string, string][]): Buffer {
  return Buffer.from(
    records
      .map(([key, value]) => {
        const rest = ` ${key}=${value}\n`;
        let length = rest.length + 1;
        while (`${length}${rest}`.length !== length) length++;
        return `${length}${rest}`;
      })
      .join(''),
  );
}

/** A pax `x` header with its records, padded: it applies to the entry that follows it. */
export function paxHeader(records: [string, string][], name = 'PaxHeader'): Buffer {
  const body = paxRecords(records);
  return Buffer.concat([ustarHeader(name, body.length, 'x'), padToBlock(body)]);
}
