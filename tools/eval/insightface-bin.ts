/**
 * Reader for insightface's verification `.bin` files (lfw.bin, cfp_fp.bin, agedb_30.bin, and
 * what `arcedge pack-pairs` writes): a Python pickle of `(bins, issame_list)`, where `bins` is
 * a list of encoded images (2 per pair, in pair order) and `issame_list` a list of bools
 * (insightface `recognition/arcface_torch/utils/utils_callbacks.py` / `eval/verification.py`
 * `load_bin` reads it with `pickle.load(f, encoding='bytes')`).
 *
 * This is a restricted pickle reader: it understands only the opcodes that data needs (lists,
 * tuples, bytes/str blobs, bools, small ints, None, the memo) and rejects everything else,
 * GLOBAL/REDUCE/BUILD included, so a hostile file can never make it construct objects or run
 * code. Opcode values are from CPython's Lib/pickletools.py (protocols 0-5).
 */
import { ArcEdgeError } from '../../sdk/index.ts';

type Value = Uint8Array | boolean | number | null | Value[] | { tuple: Value[] };

const MARK = Symbol('mark');

export interface InsightfaceBin {
  /** Encoded images; pair i is images[2i], images[2i+1]. */
  readonly images: Uint8Array[];
  readonly issame: boolean[];
}

function fail(path: string, message: string): ArcEdgeError {
  return new ArcEdgeError('INVALID_ARGUMENT', `${path}: ${message}`, {
    fix: 'pass an insightface verification .bin: pickle.dump((list of encoded image bytes, list of bool), f, protocol=4)',
  });
}

/** Parses the pickle in `data`; throws on any opcode outside the data subset. */
export function readPickleData(data: Uint8Array, path = '<bytes>'): Value {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const stack: (Value | typeof MARK)[] = [];
  const memo = new Map<number, Value>();
  let pos = 0;
  const need = (n: number): void => {
    if (pos + n > data.length) throw fail(path, `truncated pickle at byte ${pos}`);
  };
  const u8 = (): number => (need(1), data[pos++]!);
  const u32 = (): number => (need(4), (pos += 4), view.getUint32(pos - 4, true));
  const u64 = (): number => (need(8), (pos += 8), Number(view.getBigUint64(pos - 8, true)));
  const blob = (n: number): Uint8Array => (need(n), (pos += n), data.subarray(pos - n, pos));
  const top = (): Value => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) throw fail(path, `malformed pickle at byte ${pos}`);
    return v;
  };
  const pop = (): Value => {
    const v = top();
    stack.pop();
    return v;
  };
  const popToMark = (): Value[] => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) throw fail(path, `malformed pickle (no mark) at byte ${pos}`);
    const items = stack.splice(i) as Value[];
    return items.slice(1);
  };
  const list = (): Value[] => {
    const l = top();
    if (!Array.isArray(l)) throw fail(path, `append to a non-list at byte ${pos}`);
    return l;
  };
  for (;;) {
    const at = pos;
    const op = u8();
    switch (op) {
      case 0x80: u8(); break; // PROTO n
      case 0x95: u64(); break; // FRAME length (framing only)
      case 0x2e: { // STOP
        if (stack.length !== 1) throw fail(path, 'malformed pickle: stack not one value at STOP');
        return pop();
      }
      case 0x28: stack.push(MARK); break; // MARK
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x29: stack.push({ tuple: [] }); break; // EMPTY_TUPLE
      case 0x6c: stack.push(popToMark()); break; // LIST
      case 0x74: stack.push({ tuple: popToMark() }); break; // TUPLE
      case 0x85: stack.push({ tuple: [pop()] }); break; // TUPLE1
      case 0x86: { const b = pop(); stack.push({ tuple: [pop(), b] }); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); stack.push({ tuple: [pop(), b, c] }); break; } // TUPLE3
      case 0x61: { const v = pop(); list().push(v); break; } // APPEND
      case 0x65: { const items = popToMark(); list().push(...items); break; } // APPENDS
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4e: stack.push(null); break; // NONE
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u8() | (u8() << 8)); break; // BININT2
      case 0x4a: stack.push(view.getInt32((need(4), (pos += 4), pos - 4), true)); break; // BININT
      case 0x43: stack.push(blob(u8())); break; // SHORT_BINBYTES
      case 0x42: stack.push(blob(u32())); break; // BINBYTES
      case 0x8e: stack.push(blob(u64())); break; // BINBYTES8
      case 0x55: stack.push(blob(u8())); break; // SHORT_BINSTRING (Python 2 str: raw bytes)
      case 0x54: stack.push(blob(u32())); break; // BINSTRING
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x68: case 0x6a: { // BINGET, LONG_BINGET
        const key = op === 0x68 ? u8() : u32();
        if (!memo.has(key)) throw fail(path, `memo key ${key} unset at byte ${at}`);
        stack.push(memo.get(key)!);
        break;
      }
      default:
        throw fail(path, `pickle opcode 0x${op.toString(16)} at byte ${at} is outside the data subset this reader accepts (no objects, no code)`);
    }
  }
}

/** Reads a verification .bin: checks the shape (two lists, 2 images per pair). */
export function parseInsightfaceBin(data: Uint8Array, path = '<bytes>'): InsightfaceBin {
  const root = readPickleData(data, path);
  const parts = root !== null && typeof root === 'object' && 'tuple' in root ? root.tuple : Array.isArray(root) ? root : undefined;
  if (!parts || parts.length !== 2 || !Array.isArray(parts[0]) || !Array.isArray(parts[1])) {
    throw fail(path, 'expected a pickled pair (bins, issame_list)');
  }
  const [bins, issame] = parts as [Value[], Value[]];
  if (!bins.every((b) => b instanceof Uint8Array)) throw fail(path, 'bins must be a list of bytes (encoded images)');
  if (!issame.every((s) => typeof s === 'boolean' || s === 0 || s === 1)) throw fail(path, 'issame_list must be a list of bools');
  if (bins.length !== 2 * issame.length) throw fail(path, `${bins.length} images for ${issame.length} pairs; expected 2 per pair`);
  return { images: bins as Uint8Array[], issame: issame.map((s) => s === true || s === 1) };
}
