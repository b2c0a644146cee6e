/**
 * Device: GET /api/status, refreshed every REFRESH_MS. Known sections (model, backend, cameras,
 * memory, recent errors) come first with readable titles; the rest of the status object is shown
 * as it is, so a field the agent adds later is visible without a page change.
 */
import { api, describeError } from '../api.ts';
import { h, notify } from '../dom.ts';

const REFRESH_MS = 3000;

/** Section order and titles; keys are matched case-insensitively against the status object. */
const TITLES: [string, string][] = [
  ['agentVersion', 'Agent version'],
  ['device', 'Device'],
  ['state', 'State'],
  ['uptimeSec', 'Uptime (s)'],
  ['models', 'Models'],
  ['model', 'Model'],
  ['backend', 'Backend'],
  ['precision', 'Precision'],
  ['cameras', 'Cameras'],
  ['memory', 'Memory'],
  ['threshold', 'Match threshold'],
  ['live', 'Live viewers'],
  ['events', 'Event history'],
  ['recentErrors', 'Recent errors'],
  ['errors', 'Recent errors'],
];

/** Unit suffixes in field names (STYLE: units in names) shown as units: latencyMs -> "Latency (ms)". */
const UNITS: [RegExp, string][] = [
  [/Ms$/, ' (ms)'],
  [/Sec$/, ' (s)'],
  [/Mb$/, ' (MiB)'],
  [/Bytes$/, ' (bytes)'],
];

function label(key: string): string {
  const known = TITLES.find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
  if (known) return known;
  const unit = UNITS.find(([re]) => re.test(key));
  const base = unit ? key.replace(unit[0], '') : key;
  const words = base.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return `${words.charAt(0).toUpperCase()}${words.slice(1)}${unit ? unit[1] : ''}`;
}

function scalar(value: unknown): string {
  if (value === null || value === undefined) return '–';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(2);
  return String(value);
}

function render(value: unknown, caption: string): HTMLElement {
  if (Array.isArray(value)) {
    if (value.length === 0) return h('p', { class: 'muted' }, 'none');
    if (value.every((v) => v && typeof v === 'object' && !Array.isArray(v))) {
      const columns = [...new Set(value.flatMap((v) => Object.keys(v as object)))];
      return h(
        'table',
        {},
        h('caption', { class: 'sr-only' }, caption),
        h('thead', {}, h('tr', {}, ...columns.map((c) => h('th', { scope: 'col' }, label(c))))),
        h('tbody', {}, ...value.map((v) => h('tr', {}, ...columns.map((c) => h('td', {}, renderCell((v as Record<string, unknown>)[c])))))),
      );
    }
    return h('p', {}, value.map(scalar).join(', '));
  }
  if (value && typeof value === 'object') {
    const dl = h('dl');
    for (const [k, v] of Object.entries(value)) dl.append(h('dt', {}, label(k)), h('dd', {}, v && typeof v === 'object' ? render(v, label(k)) : scalar(v)));
    return dl;
  }
  return h('p', {}, scalar(value));
}

function renderCell(value: unknown): string {
  return value && typeof value === 'object' ? JSON.stringify(value) : scalar(value);
}

export function mountDevice(main: HTMLElement): () => void {
  const content = h('div', { class: 'device' });
  main.append(h('h1', {}, 'Device'), content);
  let timer: number | undefined;
  let left = false;

  const load = async () => {
    try {
      const status = await api.status();
      if (left) return;
      const known = TITLES.map(([k]) => Object.keys(status).find((s) => s.toLowerCase() === k.toLowerCase())).filter((k): k is string => !!k);
      const keys = [...known, ...Object.keys(status).filter((k) => !known.includes(k))];
      const scalars = keys.filter((k) => !(status[k] && typeof status[k] === 'object'));
      const sections = keys.filter((k) => status[k] && typeof status[k] === 'object');
      const summary = h('dl', { class: 'summary' }, ...scalars.flatMap((k) => [h('dt', {}, label(k)), h('dd', {}, scalar(status[k]))]));
      content.replaceChildren(
        h('section', { 'aria-label': 'Status' }, h('h2', {}, 'Status'), summary),
        ...sections.map((k) => h('section', { 'aria-label': label(k) }, h('h2', {}, label(k)), render(status[k], label(k)))),
      );
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
