/**
 * Writes insightface verification `.bin` files: a pickle of (bins, issame_list), i.e. a tuple
 * of a list of encoded images (bytes) and a list of booleans, as insightface's verification
 * code loads them (`pickle.load(f, encoding='bytes')`). Only the few pickle protocol-4 opcodes
 * this needs are emitted (opcode values from CPython's Lib/pickletools.py):
 * PROTO 0x80, FRAME 0x95 (optional, omitted), EMPTY_LIST ']', MARK '(', APPENDS 'e',
 * BINBYTES 'B' (u32 length), NEWTRUE 0x88, NEWFALSE 0x89, TUPLE2 0x86, STOP '.'.
 * The reader (tools/trainer/verification.py) uses a restricted unpickler.
 */
const op = (...codes: number[]): Buffer => Buffer.from(codes);

export function encodeVerificationBin(images: readonly Uint8Array[], issame: readonly boolean[]): Buffer {
  if (images.length !== 2 * issame.length) throw new Error(`${images.length} images for ${issame.length} pairs`);
  const parts: Buffer[] = [op(0x80, 4), op(0x5d), op(0x28)];
  for (const image of images) {
    const length = Buffer.alloc(4);
    length.writeUInt32LE(image.length);
    parts.push(op(0x42), length, Buffer.from(image.buffer, image.byteOffset, image.byteLength));
  }
  parts.push(op(0x65), op(0x5d), op(0x28), ...issame.map((same) => op(same ? 0x88 : 0x89)), op(0x65), op(0x86), op(0x2e));
  return Buffer.concat(parts);
}
