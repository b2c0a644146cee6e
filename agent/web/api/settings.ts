/**
 * Per-camera settings from the Live page: masks (polygons never searched for faces) and
 * minFacePx. Saved to <dataDir>/camera-settings.json (agent/config/camera-settings.ts) and
 * pushed to the worker that runs the camera, so they apply from the next frame, no restart.
 */
import { CameraSettingsSchema } from '../../config/schema.ts';
import { camera } from './cameras.ts';
import { body, param, type ApiRoute } from './route.ts';

export const SETTINGS_ROUTES: readonly ApiRoute[] = [
  {
    method: 'GET',
    path: '/api/cameras/:id/settings',
    summary: 'the camera\'s masks and minFacePx: { masks: [{ name?, points: [[x, y], ...] }], minFacePx } (x, y: fractions of the frame, 0..1)',
    handler: (c, deps) => c.json(deps.cameraSettings.get(camera(deps, param(c, 'id')))),
  },
  {
    method: 'POST',
    path: '/api/cameras/:id/settings',
    summary: 'replace the camera\'s masks and minFacePx (same shape as GET); applied from the next frame and kept across restarts',
    handler: async (c, deps) => {
      const id = camera(deps, param(c, 'id'));
      const settings = await body(c, CameraSettingsSchema);
      return c.json(await deps.cameraSettings.save(id, settings));
    },
  },
];
