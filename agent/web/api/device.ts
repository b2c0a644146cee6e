/**
 * GET /api/device: what the Device page shows beside the status: the machine (CPU, memory,
 * temperatures, disk; host-health.ts), the MQTT connection, the serving models and gallery, the
 * event history against its limit, and the recent problems grouped (same message, camera and
 * code: one line with a count) in plain words. A user's refused request (no face in the photo,
 * a bad name) is counted apart: it is an answer, not a fault of the device.
 */
import type { LoggedProblem } from '../../log.ts';
import type { ApiRoute } from './route.ts';

export interface ProblemGroup {
  readonly level: 'warn' | 'error';
  readonly text: string;
  readonly count: number;
  readonly firstTs: string;
  readonly lastTs: string;
}

/** Codes that mean "the request was refused", not "the device has a problem". */
const REFUSALS = /^(FACE_|IMAGE_|COMMAND_|GALLERY_NAME|GALLERY_IDENTITY_NOT_FOUND|CAMERA_UNKNOWN|INVALID_ARGUMENT|NOT_FOUND|UNAUTHORIZED|CSRF_|RATE_LIMITED|PAYLOAD_TOO_LARGE)/;

function codeOf(p: LoggedProblem): string | undefined {
  const f = p.fields ?? {};
  const error = f.error as { code?: string } | string | undefined;
  return (f.code as string | undefined) ?? (typeof error === 'object' ? error?.code : undefined);
}

function detailOf(p: LoggedProblem): string {
  const f = p.fields ?? {};
  const error = f.error as { message?: string } | string | undefined;
  const reason = (f.reason as string | undefined) ?? (typeof error === 'string' ? error : error?.message) ?? (f.code as string | undefined);
  return reason ? `: ${String(reason).slice(0, 200)}` : '';
}

/** "camera state" {camera: door, state: offline, reason} -> "Camera door is offline: <reason>". */
export function plainWords(p: LoggedProblem): string {
  const f = p.fields ?? {};
  if (p.msg === 'camera state' && f.camera) return `Camera ${String(f.camera)} is ${String(f.state)}${detailOf(p)}`;
  if (p.msg === 'command failed') return `The ${String(f.command)} command failed${f.code ? ` (${String(f.code)})` : ''}`;
  const text = `${p.msg.charAt(0).toUpperCase()}${p.msg.slice(1)}`;
  return `${f.camera ? `Camera ${String(f.camera)}: ` : ''}${text}${detailOf(p)}`;
}

export function groupProblems(problems: readonly LoggedProblem[]): { errors: ProblemGroup[]; refused: number } {
  const groups = new Map<string, ProblemGroup>();
  let refused = 0;
  for (const p of problems) {
    const code = codeOf(p);
    if (code && REFUSALS.test(code)) {
      refused += 1;
      continue;
    }
    // Retry messages differ only in their countdown: the key leaves numbers out.
    const text = plainWords(p);
    const key = `${p.level}|${text.replace(/\d+/g, '#')}`;
    const g = groups.get(key);
    groups.set(key, g ? { ...g, count: g.count + 1, lastTs: p.ts, text } : { level: p.level, text, count: 1, firstTs: p.ts, lastTs: p.ts });
  }
  return { errors: [...groups.values()].sort((a, b) => b.lastTs.localeCompare(a.lastTs)), refused };
}

export const DEVICE_ROUTES: readonly ApiRoute[] = [
  {
    method: 'GET',
    path: '/api/device',
    summary: 'device health: { device, agentVersion, uptimeSec, host, mqtt, model, models, gallery, events, errors, refused }',
    handler: (c, deps) => {
      const d = deps.health();
      const sizeMb = deps.store ? Math.round((deps.store.sizeBytes() / 1048576) * 10) / 10 : null;
      return c.json({
        device: deps.device,
        agentVersion: deps.agentVersion,
        uptimeSec: Math.round((Date.now() - deps.startedAt) / 1000),
        host: d.host,
        mqtt: d.mqtt,
        model: d.model,
        models: deps.models(),
        threshold: deps.threshold() ?? null,
        gallery: d.gallery,
        events: deps.store ? { sizeMb, limitMb: d.eventsLimitMb, retentionDays: d.retentionDays } : null,
        ...groupProblems(deps.recentProblems()),
      });
    },
  },
];
