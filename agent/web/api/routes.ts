/** Every API route, once: the app registers this table and the tests walk it. */
import { CAMERA_ROUTES } from './cameras.ts';
import { DEVICE_ROUTES } from './device.ts';
import { EVENT_ROUTES } from './events.ts';
import { LIBRARY_ROUTES } from './library.ts';
import { FACE_ROUTES } from './faces.ts';
import { PEOPLE_ROUTES } from './people.ts';
import { SETTINGS_ROUTES } from './settings.ts';
import type { ApiRoute } from './route.ts';
import { SESSION_ROUTES } from './session.ts';
import { STATUS_ROUTES } from './status.ts';

export const API_ROUTES: readonly ApiRoute[] = [...SESSION_ROUTES, ...STATUS_ROUTES, ...DEVICE_ROUTES, ...CAMERA_ROUTES, ...SETTINGS_ROUTES, ...FACE_ROUTES, ...EVENT_ROUTES, ...LIBRARY_ROUTES, ...PEOPLE_ROUTES];
