/**
 * Test fixture builder: a copy of an ONNX model whose graph outputs are listed in a
 * different order, so by-order decoding breaks and only by-name mapping can read it.
 * Minimal protobuf walk (ModelProto.graph = field 7, GraphProto.output = field 12,
 * ValueInfoProto.name = field 1; onnx/onnx.proto3): two output entries of the same byte
 * length are swapped in place, so no enclosing length prefix changes.
 */

interface Field {
  readonly field: number;
  readonly wire: number;
  /** byte range of the whole field (tag included) */
  readonly start: number;
  readonly end: number;
  /** payload range for length-delimited fields */
  readonly bodyStart: number;
}

function readVarint(buf: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = buf[pos++]!;
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return [value, pos];
    shift += 7;
  }
}

function fields(buf: Uint8Array, start: number, end: number): Field[] {
  const out: Field[] = [];
  let pos = start;
  while (pos < end) {
    const fieldStart = pos;
    const [tag, afterTag] = readVarint(buf, pos);
    const wire = tag & 7;
    const field = Math.floor(tag / 8);
    pos = afterTag;
    let bodyStart = pos;
    if (wire === 0) pos = readVarint(buf, pos)[1];
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const [len, afterLen] = readVarint(buf, pos);
      bodyStart = afterLen;
      pos = afterLen + len;
    } else throw new Error(`unsupported protobuf wire type ${wire} at byte ${fieldStart}`);
    out.push({ field, wire, start: fieldStart, end: pos, bodyStart });
  }
  return out;
}

const nameOf = (buf: Uint8Array, entry: Field): string => {
  const nameField = fields(buf, entry.bodyStart, entry.end).find((f) => f.field === 1 && f.wire === 2);
  return nameField ? Buffer.from(buf.subarray(nameField.bodyStart, nameField.end)).toString('utf8') : '';
};

/** Graph output names in declared order. */
export function graphOutputNames(model: Uint8Array): string[] {
  return graphOutputs(model).map((f) => nameOf(model, f));
}

function graphOutputs(model: Uint8Array): Field[] {
  const graph = fields(model, 0, model.length).find((f) => f.field === 7 && f.wire === 2);
  if (!graph) throw new Error('no graph in this ONNX file');
  return fields(model, graph.bodyStart, graph.end).filter((f) => f.field === 12 && f.wire === 2);
}

/** Returns a copy with the graph-output entries named `a` and `b` swapped (they must have equal byte length). */
export function swapGraphOutputs(model: Uint8Array, a: string, b: string): Uint8Array {
  const outputs = graphOutputs(model);
  const ea = outputs.find((f) => nameOf(model, f) === a);
  const eb = outputs.find((f) => nameOf(model, f) === b);
  if (!ea || !eb) throw new Error(`graph outputs ${a} / ${b} not found`);
  if (ea.end - ea.start !== eb.end - eb.start) throw new Error(`outputs ${a} and ${b} have different encoded lengths`);
  const copy = Uint8Array.from(model);
  copy.set(model.subarray(ea.start, ea.end), eb.start);
  copy.set(model.subarray(eb.start, eb.end), ea.start);
  return copy;
}
