/**
 * Reading and writing ONNX models: the only import of onnx-proto (protobufjs code generated
 * from onnx.proto, onnx v1.10.2). Everything else in tools/quantize edits the decoded
 * ModelProto through the small helpers here (tensors as typed arrays, attributes, value infos).
 *
 * External data (initializers stored in side files, `data_location: EXTERNAL`) is read in on
 * load and written back inline: the quantized models are smaller than the 2 GiB protobuf limit
 * that external data exists for.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import onnxProto from 'onnx-proto';
import { ArcEdgeError } from '../../sdk/index.ts';

export const onnx = onnxProto.onnx;
export type Model = onnxProto.onnx.ModelProto;
export type Graph = onnxProto.onnx.IGraphProto;
export type Node = onnxProto.onnx.INodeProto;
export type TensorProto = onnxProto.onnx.ITensorProto;
export type ValueInfo = onnxProto.onnx.IValueInfoProto;

/** TensorProto.DataType values used here. */
export const DT = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, FLOAT16: 10, DOUBLE: 11 } as const;

const EXTERNAL = 1;

/** protobufjs decodes int64 as Long when the `long` package is present; numbers either way here. */
export function num(value: number | { toNumber(): number } | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : value.toNumber();
}

function notOnnx(path: string, why: string, cause?: unknown): ArcEdgeError {
  return new ArcEdgeError('MODEL_UNREADABLE', `${path} is not an ONNX model: ${why}`, {
    fix: 'pass the .onnx file exported from your framework (torch.onnx.export, paddle2onnx, tf2onnx); check that the copy is complete',
    cause,
  });
}

/** Decodes `path`; a file that is not a protobuf ModelProto with a graph is MODEL_UNREADABLE. */
export function readModel(path: string): Model {
  if (!existsSync(path)) throw new ArcEdgeError('MODEL_NOT_FOUND', `model file ${path} does not exist`, { fix: 'check the path' });
  const bytes = readFileSync(path);
  if (bytes.length === 0) throw notOnnx(path, 'the file is empty');
  let model: Model;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (cause) {
    throw notOnnx(path, `protobuf decoding failed (${(cause as Error).message})`, cause);
  }
  // Random bytes sometimes decode as a protobuf with no graph: that is not a model either.
  if (!model.graph || model.graph.node?.length === 0 || model.opsetImport.length === 0) throw notOnnx(path, 'it has no graph or no opset');
  for (const tensor of model.graph.initializer ?? []) loadExternal(tensor, dirname(path), path);
  return model;
}

function loadExternal(tensor: TensorProto, dir: string, modelPath: string): void {
  if (tensor.dataLocation !== EXTERNAL) return;
  const entry = (key: string): string | undefined => tensor.externalData?.find((e) => e.key === key)?.value ?? undefined;
  const location = entry('location');
  if (!location) throw notOnnx(modelPath, `initializer ${tensor.name} is external but names no location`);
  const file = join(dir, location);
  if (!existsSync(file)) {
    throw new ArcEdgeError('MODEL_NOT_FOUND', `external data ${file} of ${modelPath} (initializer ${tensor.name}) does not exist`, {
      fix: 'keep the external data file next to the .onnx file, as the exporter wrote it',
    });
  }
  const offset = Number(entry('offset') ?? 0);
  const all = readFileSync(file);
  const length = entry('length') !== undefined ? Number(entry('length')) : all.length - offset;
  tensor.rawData = new Uint8Array(all.subarray(offset, offset + length));
  tensor.dataLocation = 0;
  tensor.externalData = [];
}

export function encodeModel(model: Model): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

/** A deep copy (encode + decode): edits on the copy never reach the original. */
export function cloneModel(model: Model): Model {
  return onnx.ModelProto.decode(encodeModel(model));
}

export function dims(tensor: TensorProto): number[] {
  return (tensor.dims ?? []).map((d) => num(d as number));
}

const elementCount = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Float values of a FLOAT/FLOAT16/DOUBLE tensor (raw_data or the typed field). */
export function floatValues(tensor: TensorProto): Float32Array {
  const raw = tensor.rawData && tensor.rawData.length > 0 ? tensor.rawData : undefined;
  // protobufjs hands out Buffer views into the whole file: copy to get an aligned, exact buffer.
  const copy = (bytes: Uint8Array): ArrayBuffer => new Uint8Array(bytes).buffer;
  if (tensor.dataType === DT.FLOAT) return raw ? new Float32Array(copy(raw)) : Float32Array.from(tensor.floatData ?? []);
  if (tensor.dataType === DT.DOUBLE) return Float32Array.from(raw ? new Float64Array(copy(raw)) : (tensor.doubleData ?? []));
  if (tensor.dataType === DT.FLOAT16) {
    const halves = raw ? new Uint16Array(copy(raw)) : Uint16Array.from(tensor.int32Data ?? []);
    return Float32Array.from(halves, halfToFloat);
  }
  throw new ArcEdgeError('INVALID_ARGUMENT', `tensor ${tensor.name} has data type ${tensor.dataType}, not a float type`);
}

/** Integer values of an INT64/INT32 tensor. */
export function intValues(tensor: TensorProto): number[] {
  const raw = tensor.rawData && tensor.rawData.length > 0 ? new Uint8Array(tensor.rawData).buffer : undefined;
  if (tensor.dataType === DT.INT64) return raw ? Array.from(new BigInt64Array(raw), Number) : (tensor.int64Data ?? []).map((v) => num(v as number));
  if (tensor.dataType === DT.INT32) return raw ? Array.from(new Int32Array(raw)) : (tensor.int32Data ?? []);
  throw new ArcEdgeError('INVALID_ARGUMENT', `tensor ${tensor.name} has data type ${tensor.dataType}, not an integer type`);
}

export function floatTensor(name: string, shape: readonly number[], values: Float32Array): TensorProto {
  return onnx.TensorProto.create({ name, dims: [...shape], dataType: DT.FLOAT, rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) });
}

export function float16Tensor(name: string, shape: readonly number[], values: Float32Array): TensorProto {
  const halves = Uint16Array.from(values, floatToHalf);
  return onnx.TensorProto.create({ name, dims: [...shape], dataType: DT.FLOAT16, rawData: new Uint8Array(halves.buffer) });
}

export function int8Tensor(name: string, shape: readonly number[], values: Int8Array): TensorProto {
  return onnx.TensorProto.create({ name, dims: [...shape], dataType: DT.INT8, rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) });
}

export function int32Tensor(name: string, shape: readonly number[], values: Int32Array): TensorProto {
  return onnx.TensorProto.create({ name, dims: [...shape], dataType: DT.INT32, rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) });
}

export function int64Tensor(name: string, shape: readonly number[], values: readonly number[]): TensorProto {
  const data = BigInt64Array.from(values, (v) => BigInt(v));
  return onnx.TensorProto.create({ name, dims: [...shape], dataType: DT.INT64, rawData: new Uint8Array(data.buffer) });
}

/** Number of elements a tensor declares. */
export function tensorSize(tensor: TensorProto): number {
  return elementCount(dims(tensor));
}

type AttrValue = number | string | number[];

/** One node; attributes typed by their JavaScript value (integer -> INT, other number -> FLOAT). */
export function makeNode(opType: string, inputs: string[], outputs: string[], name: string, attributes: Record<string, AttrValue> = {}, floats: readonly string[] = []): Node {
  const attribute = Object.entries(attributes).map(([key, value]) => {
    if (Array.isArray(value)) return onnx.AttributeProto.create({ name: key, type: onnx.AttributeProto.AttributeType.INTS, ints: value });
    if (typeof value === 'string') return onnx.AttributeProto.create({ name: key, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(value) });
    if (Number.isInteger(value) && !floats.includes(key)) return onnx.AttributeProto.create({ name: key, type: onnx.AttributeProto.AttributeType.INT, i: value });
    return onnx.AttributeProto.create({ name: key, type: onnx.AttributeProto.AttributeType.FLOAT, f: value });
  });
  return onnx.NodeProto.create({ opType, input: inputs, output: outputs, name, attribute });
}

export function intAttribute(node: Node, name: string): number | undefined {
  const attr = node.attribute?.find((a) => a.name === name);
  return attr ? num(attr.i as number) : undefined;
}

/** A graph output/value info with just a name: onnxruntime infers its type and shape. */
export function untypedValueInfo(name: string): ValueInfo {
  return onnx.ValueInfoProto.create({ name });
}

/** Element type of a value info, or undefined when it carries none. */
export function elemType(info: ValueInfo): number | undefined {
  return info.type?.tensorType?.elemType ?? undefined;
}

// IEEE 754 half precision <-> single precision, round to nearest even, clamped to +-65504
// (a weight beyond fp16 range becomes the largest finite half, not infinity).
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function floatToHalf(value: number): number {
  f32[0] = Math.max(-65504, Math.min(65504, value));
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0); // NaN stays NaN
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7bff;
  if (e <= 0) {
    if (e < -10) return sign; // below the smallest subnormal: signed zero
    mantissa |= 0x800000;
    const shift = 14 - e;
    const half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const midpoint = 1 << (shift - 1);
    return sign | (half + (rest > midpoint || (rest === midpoint && (half & 1)) ? 1 : 0));
  }
  const half = sign | (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  return half + (rest > 0x1000 || (rest === 0x1000 && (half & 1)) ? 1 : 0);
}

export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >>> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}
