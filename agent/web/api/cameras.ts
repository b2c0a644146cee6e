/** Live frames (one JPEG, or MJPEG while the client stays) and "enroll this face" from a camera. */
import { ArcEdgeError, ID_PATTERN } from '../../../sdk/index.ts';
import { EnrollBodySchema } from '../../../sdk/internal.ts';
import { personIdFromName } from '../../commands/handler.ts';
import { body, jpeg, param, type ApiRoute, type WebDeps } from './route.ts';

const BOUNDARY = 'frame';

/** The camera id of a path, checked against this device's cameras (CAMERA_UNKNOWN otherwise). */
export function camera(deps: WebDeps, id: string): string {
  if (!ID_PATTERN.test(id) || !deps.cameraIds().includes(id)) {
    throw new ArcEdgeError('CAMERA_UNKNOWN', `no camera "${id.slice(0, 64)}" on this device`, { details: { cameras: deps.cameraIds() } });
  }
  return id;
}

export const CAMERA_ROUTES: readonly ApiRoute[] = [
  {
    method: 'GET',
    path: '/api/cameras/:id/frame.jpg',
    image: true,
    summary: 'the latest frame with face boxes, track ids and names (JPEG)',
    handler: async (c, deps) => jpeg(await deps.live.frame(camera(deps, param(c, 'id')))),
  },
  {
    method: 'GET',
    path: '/api/cameras/:id/live.json',
    summary: 'the latest frame (base64 JPEG, no boxes) and its faces: { camera, ts, width, height, jpeg, faces: [{ trackId, box, state, personId, name, score }] }',
    handler: async (c, deps) => c.json(await deps.live.json(camera(deps, param(c, 'id')))),
  },
  {
    method: 'GET',
    path: '/api/cameras/:id/live',
    image: true,
    summary: 'MJPEG stream (multipart/x-mixed-replace; boundary=frame) of annotated frames at web.liveFps',
    handler: (c, deps) => {
      const id = camera(deps, param(c, 'id'));
      let stop: (() => void) | undefined;
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          stop = deps.live.watch(id, (frame) => {
            try {
              controller.enqueue(Buffer.from(`--${BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: ${frame.byteLength}\r\n\r\n`));
              controller.enqueue(frame);
              controller.enqueue(Buffer.from('\r\n'));
            } catch {
              stop?.(); // the client went away between two frames
            }
          });
          c.req.raw.signal?.addEventListener('abort', () => stop?.());
        },
        cancel() {
          stop?.();
        },
      });
      return new Response(stream, { headers: { 'Content-Type': `multipart/x-mixed-replace; boundary=${BOUNDARY}`, 'Cache-Control': 'no-store' } });
    },
  },
  {
    method: 'POST',
    path: '/api/cameras/:id/enroll',
    summary: 'enroll the largest face of the camera\'s current frame: { name, personId? }',
    handler: async (c, deps) => {
      const id = camera(deps, param(c, 'id'));
      const { name, personId } = await body(c, EnrollBodySchema);
      return c.json(await deps.ctx.enroll({ personId: personId ?? personIdFromName(name), name, camera: id, source: `camera:${id}` }));
    },
  },
];
