/** JPEG snapshots of a face (event snapshots: bytes) or a whole frame (the snapshot command: base64), for events and the snapshot command. */
import { cropFrame, drawAnnotations, encodeJpeg, type Box, type Frame } from '../../sdk/index.ts';

/** The face box grown by 25% on each side, clipped to the frame, as JPEG bytes. */
export function faceSnapshot(frame: Frame, box: Box): Uint8Array | undefined {
  const padX = (box.x2 - box.x1) * 0.25;
  const padY = (box.y2 - box.y1) * 0.25;
  const x1 = Math.max(0, Math.floor(box.x1 - padX));
  const y1 = Math.max(0, Math.floor(box.y1 - padY));
  const x2 = Math.min(frame.width, Math.ceil(box.x2 + padX));
  const y2 = Math.min(frame.height, Math.ceil(box.y2 + padY));
  if (x2 - x1 < 2 || y2 - y1 < 2) return undefined;
  return encodeJpeg(cropFrame(frame, { x: x1, y: y1, width: x2 - x1, height: y2 - y1 }), 85);
}

export function frameSnapshot(frame: Frame, boxes: readonly { box: Box; label: string }[] = []): string {
  const drawn = boxes.length > 0 ? drawAnnotations(frame, boxes.map((b) => ({ box: b.box, label: b.label }))) : frame;
  return Buffer.from(encodeJpeg(drawn, 85)).toString('base64');
}
