/**
 * Device: the agent and the machine it runs on, refreshed every REFRESH_MS from GET /api/status
 * (cameras, backend) and GET /api/device (CPU, memory, temperature, disk, MQTT, models, gallery,
 * event storage, problems grouped and counted). Figures in words and units, never raw JSON.
 */
import { api, describeError } from '../api.ts';
import { formatTime, h, notify } from '../dom.ts';

const REFRESH_MS = 3000;

/** The answers are shown field by field; their shapes are in docs/web-api.md. */
type Json = Record<string, any>;

/** 93784 -> "1 day 2 h 3 min". */
export function uptimeWords(sec: number): string {
  const d = Math.floor(sec / 86400);
  const hr = Math.floor((sec % 86400) / 3600);
  const min = Math.floor((sec % 3600) / 60);
  const parts = [d ? `${d} day${d === 1 ? '' : 's'}` : '', hr ? `${hr} h` : '', min ? `${min} min` : ''].filter(Boolean);
  return parts.length > 0 ? parts.join(' ') : `${Math.max(0, Math.round(sec))} s`;
}

const dl = (rows: [string, string | Node][]) => h('dl', {}, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
const section = (title: string, ...body: (Node | null)[]) => h('section', { 'aria-label': title }, h('h2', {}, title), ...body);
const gauge = (title: string, value: string, note = '') => h('div', { class: 'gauge', role: 'group', 'aria-label': title }, h('span', { class: 'muted' }, title), h('strong', {}, value), note ? h('span', { class: 'muted' }, note) : null);
const table = (caption: string, head: string[], rows: (string | number)[][]) =>
  rows.length === 0
    ? h('p', { class: 'muted' }, 'none')
    : h('table', {}, h('caption', { class: 'sr-only' }, caption), h('thead', {}, h('tr', {}, ...head.map((c) => h('th', { scope: 'col' }, c)))), h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, String(c)))))));

function health(d: Json): HTMLElement {
  const host = d.host ?? {};
  const mem = host.memory;
  const temps: { zone: string; celsius: number }[] = host.temperatures ?? [];
  const hottest = temps.reduce<{ zone: string; celsius: number } | null>((a, t) => (!a || t.celsius > a.celsius ? t : a), null);
  const events = d.events;
  return h(
    'div',
    { class: 'gauges' },
    gauge('CPU', host.cpu?.usePercent === null || host.cpu?.usePercent === undefined ? '–' : `${host.cpu.usePercent.toFixed(0)} %`, `${host.cpu?.cores ?? '?'} cores, load ${host.cpu?.load1 ?? '–'}`),
    gauge('Memory', mem ? `${Math.round(((mem.totalMb - mem.availableMb) / mem.totalMb) * 100)} %` : '–', mem ? `${mem.totalMb - mem.availableMb} of ${mem.totalMb} MiB used` : 'not readable here'),
    gauge('Temperature', hottest ? `${hottest.celsius.toFixed(0)} °C` : '–', hottest ? `${hottest.zone} (hottest of ${temps.length})` : 'no sensor readable here'),
    gauge('Disk', host.disk ? `${(host.disk.freeMb / 1024).toFixed(1)} GiB free` : '–', host.disk ? `of ${(host.disk.totalMb / 1024).toFixed(1)} GiB` : ''),
    gauge('Event storage', events ? `${events.sizeMb} MiB` : 'off', events ? `limit ${events.limitMb} MiB, kept ${events.retentionDays} days` : 'events.store is off'),
  );
}

function render(status: Json, d: Json): HTMLElement[] {
  const mqtt = d.mqtt ?? {};
  const model = d.model;
  const gallery = d.gallery;
  const cameras: Json[] = status.cameras ?? [];
  const errors: { level: string; text: string; count: number; lastTs: string }[] = d.errors ?? [];
  return [
    section(
      'Status',
      dl([
        ['Device', String(d.device ?? status.device ?? '–')],
        ['Agent version', String(d.agentVersion ?? status.agentVersion ?? '–')],
        ['Up for', uptimeWords(Number(d.uptimeSec ?? status.uptimeSec ?? 0))],
        ['MQTT', mqtt.connected ? `connected to ${mqtt.broker}` : `not connected${mqtt.broker ? ` (${mqtt.broker}; retrying)` : ''}`],
        ['Match threshold', d.threshold === null || d.threshold === undefined ? '–' : Number(d.threshold).toFixed(2)],
        ['Precision', String(status.precision ?? '–')],
      ]),
    ),
    section('Health', health(d), d.host?.tegrastats ? h('p', { class: 'muted' }, `tegrastats: ${d.host.tegrastats}`) : null),
    section(
      'Cameras',
      table(
        'Cameras',
        ['Camera', 'State', 'Frames/s', 'Latency'],
        cameras.map((c) => [c.id, c.state, c.fps === null || c.fps === undefined ? '–' : Number(c.fps).toFixed(1), c.latencyMs === null || c.latencyMs === undefined ? '–' : `${Math.round(c.latencyMs)} ms`]),
      ),
    ),
    section(
      'Models',
      model ? h('p', {}, `Recognizer ${model.modelId} (${model.embeddingSize} values), package ${model.package}${model.version ? ` version ${model.version}` : ''}, on ${model.backend}`) : null,
      table('Models', ['Stage', 'Model', 'Runs on'], Object.entries((d.models ?? {}) as Record<string, string>).map(([role, id]) => [role, id, (status.backend ?? {})[role] ?? '–'])),
    ),
    section('Gallery', gallery ? h('p', {}, `${gallery.identities} people, ${gallery.templates} faces (generation ${gallery.generation})`) : h('p', { class: 'muted' }, 'not loaded yet')),
    section(
      'Recent problems',
      errors.length === 0
        ? h('p', { class: 'muted' }, 'None.')
        : h('ul', { class: 'problems' }, ...errors.map((e) => h('li', { class: `problem ${e.level}` }, e.text, ' ', h('span', { class: 'count' }, `×${e.count}, last ${formatTime(e.lastTs)}`)))),
      d.refused ? h('p', { class: 'muted' }, `${d.refused} refused request${d.refused === 1 ? '' : 's'} (no face in a photo, a bad name…) are not counted as problems.`) : null,
    ),
  ];
}

export function mountDevice(main: HTMLElement): () => void {
  const content = h('div', { class: 'device' });
  main.append(h('h1', {}, 'Device'), content);
  let timer: number | undefined;
  let left = false;

  const load = async () => {
    try {
      const [status, device] = await Promise.all([api.status(), api.device()]);
      if (left) return;
      content.replaceChildren(...render(status as Json, device as Json));
    } catch (error) {
      notify(`Could not read the device status: ${describeError(error)}`, 'error');
    }
    if (!left) timer = window.setTimeout(load, REFRESH_MS);
  };
  void load();
  return () => {
    left = true;
    clearTimeout(timer);
  };
}
