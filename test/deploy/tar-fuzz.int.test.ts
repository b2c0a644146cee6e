/**
 * Seeded fuzzer for the tar reader (sdk/package/tar.ts), the parser that runs on whatever
 * arrives over `cmd/transfer` before any signature check. 2,000 mutations of package-shaped
 * tars built from real files (a real ONNX model and a face photo from ../shared/assets), in the
 * three layouts tars arrive in (ustar as `arcedge package` writes, pax and GNU long-name headers
 * as other tools write). Mutations: header fields rewritten with a valid checksum (size, type,
 * name, pax records with negative, huge, NaN, hex, float sizes), raw byte flips, truncations,
 * duplicated and dropped blocks. Invariants for every case: nothing outside the destination,
 * never more than maxBytes on disk, only ArcEdgeError thrown. The seed is fixed so a failure
 * names a case that reproduces; ARCEDGE_FUZZ_SEED / ARCEDGE_FUZZ_CASES vary it by hand.
 */
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isArcEdgeError } from '../../sdk/index.ts';
import { createTar, extractTar } from '../../sdk/internal.ts';
import { assetFace, assetModel } from '../helpers/assets.ts';
import { rng } from '../helpers/random.ts';
import { BLOCK, padToBlock as padded, paxHeader, setChecksum as checksum, ustarHeader as header } from '../helpers/tar-bytes.ts';

const SEED = Number(process.env.ARCEDGE_FUZZ_SEED ?? 23);
const CASES = Number(process.env.ARCEDGE_FUZZ_CASES ?? 2000);
const B = BLOCK;

// RAM-backed when there is one: 2,000 small extractions are file-system metadata work.
const work = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'arcedge-tar-fuzz-'));
after(() => rmSync(work, { recursive: true, force: true }));


interface Entry {
  readonly name: string;
  readonly data: Buffer;
}

/** The package's files as pax (`x` before each entry) or GNU (`L` for long names) would lay them out. */
function layout(entries: Entry[], style: 'pax' | 'gnu'): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    if (style === 'pax') {
      parts.push(paxHeader([['path', e.name], ['size', String(e.data.length)], ['mtime', '0']], 'PaxHeader/x'));
    } else if (e.name.length > 40) {
      const long = Buffer.from(`${e.name}\0`);
      parts.push(header('././@LongLink', long.length, 'L'), padded(long));
    }
    parts.push(header(e.name.slice(0, 99), e.data.length, '0'), padded(e.data));
  }
  parts.push(Buffer.alloc(2 * B));
  return Buffer.concat(parts);
}

async function seeds(): Promise<Buffer[]> {
  // A package's shape: manifest, sums, signature, the model and golden faces, one long path.
  // The model is cut to its first 48 KB so 2,000 extractions stay fast; its bytes are real.
  const files: Entry[] = [
    { name: 'manifest.json', data: Buffer.from(JSON.stringify({ format: 'arcedge-model-package', name: 'yunet', version: '1' })) },
    { name: 'SHA256SUMS', data: Buffer.from('0'.repeat(64) + '  model.onnx\n') },
    { name: 'signature.sig', data: Buffer.alloc(64, 7) },
    { name: 'model.onnx', data: readFileSync(assetModel('yunet_2023mar_640.onnx')).subarray(0, 48 * 1024) },
    { name: `golden/${'deep/'.repeat(12)}img12.jpg`, data: readFileSync(assetFace('deepface', 'img12.jpg')) },
    { name: 'golden/empty.bin', data: Buffer.alloc(0) },
  ];
  const src = join(work, 'seed-src');
  for (const f of files) {
    mkdirSync(join(src, f.name, '..'), { recursive: true });
    writeFileSync(join(src, f.name), f.data);
  }
  const ustar = join(work, 'seed.tar');
  await createTar(src, ustar);
  return [readFileSync(ustar), layout(files, 'pax'), layout(files, 'gnu')];
}

const HOSTILE_SIZES = ['-1', '-512', '-1048576', '-0', '1e9', '0x200', '1.5', 'NaN', '', '+5', '9007199254740993', '99999999999999999999', 'Infinity', ' 512', '077'];
const HOSTILE_NAMES = ['../escape', '/abs/x', 'a/../../x', 'a\\b', 'x\u0001y', '', '.', './', 'C:/x', 'model.onnx', 'golden', 'golden/empty.bin/x'];

/** Offsets of the headers a clean parse of `tar` meets (good enough on the seeds). */
function headerOffsets(tar: Buffer): number[] {
  const out: number[] = [];
  for (let at = 0; at + B <= tar.length; ) {
    const h = tar.subarray(at, at + B);
    if (h.every((b) => b === 0)) break;
    out.push(at);
    const size = parseInt(h.toString('latin1', 124, 136).replace(/\0.*$/s, '').trim() || '0', 8);
    at += B + Math.ceil(size / B) * B;
  }
  return out;
}

function mutate(seed: Buffer, r: () => number): { tar: Buffer; what: string } {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const tar = Buffer.from(seed);
  const heads = headerOffsets(tar);
  const at = pick(heads);
  const kind = Math.floor(r() * 9);
  switch (kind) {
    case 0: {
      // A hostile pax size (and maybe path) before a real entry.
      const size = pick(HOSTILE_SIZES);
      const records: [string, string][] = [['size', size]];
      if (r() < 0.3) records.push(['path', pick(HOSTILE_NAMES)]);
      return { tar: Buffer.concat([tar.subarray(0, at), paxHeader(records), tar.subarray(at)]), what: `pax size "${size}" at ${at}` };
    }
    case 1: {
      // The ustar size field rewritten, checksum fixed so the parser believes it.
      const h = tar.subarray(at, at + B);
      const value = pick(['77777777777', '00000000000', '1777777', '99999999999', `${Math.floor(r() * 0o777777).toString(8)}`, '-1', 'zz', '\x80\0\0\0\0\0\0\0\0\0\x10\0']);
      h.fill(0, 124, 136);
      h.write(value, 124, 12, 'latin1');
      checksum(h);
      return { tar, what: `size field "${value}" at ${at}` };
    }
    case 2: {
      const h = tar.subarray(at, at + B);
      const type = pick(['1', '2', '3', '4', '5', '6', '7', 'x', 'g', 'L', 'K', 'V', '\0', 'Z']);
      h.write(type, 156, 1, 'latin1');
      checksum(h);
      return { tar, what: `type "${type}" at ${at}` };
    }
    case 3: {
      const h = tar.subarray(at, at + B);
      const name = pick(HOSTILE_NAMES);
      h.fill(0, 0, 100);
      h.write(name, 0, 100);
      if (r() < 0.5) h.fill(0, 345, 500);
      checksum(h);
      return { tar, what: `name "${name}" at ${at}` };
    }
    case 4: {
      // Raw byte flips anywhere, checksum left (mostly refused) or fixed (parsed).
      const n = 1 + Math.floor(r() * 8);
      for (let i = 0; i < n; i++) tar[Math.floor(r() * tar.length)] = Math.floor(r() * 256);
      if (r() < 0.5) checksum(tar.subarray(at, at + B));
      return { tar, what: `${n} byte flips` };
    }
    case 5: {
      const cut = Math.floor(r() * tar.length);
      return { tar: tar.subarray(0, cut), what: `truncated at ${cut}` };
    }
    case 6: {
      // Blocks duplicated: a header and its data again (a repeated name), or a random run.
      const from = pick(heads);
      const len = B * (1 + Math.floor(r() * 8));
      const into = pick(heads);
      return { tar: Buffer.concat([tar.subarray(0, into), tar.subarray(from, from + len), tar.subarray(into)]), what: `${len} bytes from ${from} duplicated at ${into}` };
    }
    case 7: {
      const len = B * (1 + Math.floor(r() * 4));
      return { tar: Buffer.concat([tar.subarray(0, at), tar.subarray(at + len)]), what: `${len} bytes dropped at ${at}` };
    }
    default: {
      // Two mutations at once.
      const first = mutate(seed, r);
      const second = mutate(first.tar, r);
      return { tar: second.tar, what: `${first.what}; ${second.what}` };
    }
  }
}

/** Bytes under `dir` and whether everything there is a plain file or folder. */
function usage(dir: string): number {
  let sum = 0;
  for (const name of readdirSync(dir)) {
    const st = lstatSync(join(dir, name));
    if (st.isDirectory()) sum += usage(join(dir, name));
    else if (st.isFile()) sum += st.size;
    else assert.fail(`${join(dir, name)} is neither a file nor a folder`);
  }
  return sum;
}

test(`tar reader: ${CASES} seeded mutations of package tars, nothing outside, never over maxBytes, only typed errors`, async () => {
  const bases = await seeds();
  for (const base of bases) {
    const dest = join(work, 'seed-check');
    assert.ok((await extractTar(writeTar(base), dest, { maxBytes: 1 << 20 })).files >= 5, 'each seed extracts cleanly');
    rmSync(dest, { recursive: true });
  }
  const r = rng(SEED);
  const outcomes = new Map<string, number>();
  for (let i = 0; i < CASES; i++) {
    const base = bases[i % bases.length]!;
    const { tar, what } = mutate(base, r);
    const box = join(work, `case-${i}`);
    const dest = join(box, 'dest');
    mkdirSync(box);
    // A limit below the package size half the time, so the cap is exercised, not just present.
    const maxBytes = i % 2 === 0 ? 1 << 20 : 40 * 1024;
    const path = join(box, 'in.tar');
    writeFileSync(path, tar);
    let outcome: string;
    try {
      await extractTar(path, dest, { maxBytes });
      outcome = 'extracted';
    } catch (error) {
      assert.ok(isArcEdgeError(error), `case ${i} (seed ${SEED}, ${what}): untyped error ${String(error)}`);
      outcome = error.code;
    }
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    const beside = readdirSync(box).filter((n) => n !== 'dest' && n !== 'in.tar');
    assert.deepEqual(beside, [], `case ${i} (${what}): something written beside the destination`);
    const written = existsSync(dest) ? usage(dest) : 0;
    assert.ok(written <= maxBytes, `case ${i} (${what}): ${written} bytes on disk, maxBytes ${maxBytes}`);
    rmSync(box, { recursive: true, force: true });
  }
  // The mutations must reach the parser's interesting paths, not only the checksum test.
  for (const code of ['extracted', 'ARCHIVE_INVALID', 'ARCHIVE_UNSAFE', 'ARCHIVE_TOO_LARGE']) assert.ok((outcomes.get(code) ?? 0) > 20, `${code}: ${outcomes.get(code) ?? 0} of ${CASES}`);
  console.log(`tar fuzz: ${CASES} cases, seed ${SEED}: ${JSON.stringify(Object.fromEntries(outcomes))}`);
});

function writeTar(data: Buffer): string {
  const path = join(work, `seed-${Math.random().toString(36).slice(2)}.tar`);
  writeFileSync(path, data);
  return path;
}
