/**
 * Events: the recognition history stored on the device, newest first, with filters (person,
 * camera, time range) and cursor paging. The first page refreshes itself every REFRESH_MS so
 * new recognitions show up; "Enroll this face" enrolls an event's snapshot under a name.
 */
import { api, describeError, type ApiEvent, type EventPage } from '../api.ts';
import { enrollFrozen } from '../enroll-dialog.ts';
import { field, formatTime, h, modal, notify } from '../dom.ts';

const PAGE_SIZE = 25;

/** What a row shows that can change (forget removes the name and the snapshot). */
const rowKey = (e: ApiEvent): string => `${e.id}|${e.personId ?? ''}|${e.name ?? ''}|${e.snapshotUrl ?? ''}`;
const REFRESH_MS = 5000;

export function mountEvents(main: HTMLElement): () => void {
  const person = h('select', { name: 'person' }, h('option', { value: '' }, 'Anyone'));
  const camera = h('select', { name: 'camera' }, h('option', { value: '' }, 'Any camera'));
  const from = h('input', { type: 'datetime-local', name: 'from', step: 1 });
  const to = h('input', { type: 'datetime-local', name: 'to', step: 1 });
  const kind = h('select', { name: 'type' }, h('option', { value: '' }, 'Known and unknown'), h('option', { value: 'recognized' }, 'Known only'), h('option', { value: 'unknown' }, 'Unknown only'));
  const filters = h('form', { class: 'filters', 'aria-label': 'Filter events' }, field('Person', person), field('Show', kind), field('Camera', camera), field('From', from), field('To', to), h('button', { type: 'submit' }, 'Apply'));
  const total = h('p', { class: 'muted total', 'aria-live': 'polite' });
  const body = h('tbody');
  const table = h('table', { class: 'events' }, h('caption', {}, 'Recognition events, newest first'), h('thead', {}, h('tr', {}, ...['Snapshot', 'Time', 'Camera', 'Name', 'Score', ''].map((c) => h('th', { scope: 'col' }, c)))), body);
  const newer = h('button', { type: 'button' }, 'Newer');
  const older = h('button', { type: 'button' }, 'Older');
  const refreshButton = h('button', { type: 'button' }, 'Refresh');
  // The pager sits above the rows: with 25 rows below, buttons under them were out of sight.
  const pager = h('div', { class: 'pager' }, newer, older, refreshButton, total);
  main.append(h('h1', {}, 'Events'), filters, pager, h('div', { class: 'table-scroll' }, table));

  /** Cursors of the pages shown so far: [undefined] is the newest page. */
  let cursors: (string | undefined)[] = [undefined];
  let page: EventPage = { events: [], next: null };
  let timer: number | undefined;
  let left = false;

  const query = (): Record<string, string> => {
    const q: Record<string, string> = { limit: String(PAGE_SIZE) };
    if (person.value) q.person = person.value;
    if (camera.value) q.camera = camera.value;
    if (kind.value) q.type = kind.value;
    if (from.value) q.from = new Date(from.value).toISOString();
    if (to.value) q.to = new Date(to.value).toISOString();
    const cursor = cursors[cursors.length - 1];
    if (cursor) q.before = cursor;
    return q;
  };

  const row = (event: ApiEvent): HTMLTableRowElement => {
    // A recognized event whose person was forgotten has no name left: not "Unknown 0.99".
    const forgotten = event.type === 'recognized' && !event.name;
    const who = event.name ?? (forgotten ? 'Forgotten person' : 'Unknown');
    const snapshot = event.snapshotUrl
      ? h('button', { type: 'button', class: 'thumb-button', 'aria-label': `Enlarge the snapshot of ${who}`, onclick: () => void enlarge(event, who) }, h('img', { src: event.snapshotUrl, alt: `Snapshot of ${who} at ${formatTime(event.ts)}`, class: 'thumb', loading: 'lazy' }))
      : h('span', { class: 'muted' }, 'no snapshot');
    const enroll = h('button', { type: 'button' }, 'Enroll this face');
    enroll.disabled = !event.snapshotUrl;
    enroll.addEventListener('click', async () => {
      if (await enrollFrozen(`Enroll the face from this event (${who}, ${formatTime(event.ts)})`, () => api.freezeEvent(event.id))) void load();
    });
    // An unknown face's score is its best non-match: shown, it reads like a confidence.
    const scoreText = event.name ? event.score.toFixed(2) : '';
    return h(
      'tr',
      { 'data-event-id': event.id, 'data-key': rowKey(event) },
      h('td', {}, snapshot),
      h('td', {}, h('time', { datetime: event.ts }, formatTime(event.ts))),
      h('td', {}, event.camera),
      h('td', { class: event.name ? 'name' : 'name unknown' }, who),
      h('td', { class: 'score' }, scoreText),
      h('td', { class: 'actions' }, enroll),
    );
  };

  // The full frame with the face boxed says where and with whom it happened; events stored
  // before the agent kept frames have only the face.
  const enlarge = async (event: ApiEvent, who: string) => {
    const img = event.frameUrl
      ? h('img', { src: event.frameUrl, alt: `Full frame of ${who} at ${formatTime(event.ts)}, the face boxed`, class: 'enlarged full-frame' })
      : h('img', { src: event.snapshotUrl!, alt: `Snapshot of ${who}`, class: 'enlarged' });
    const shown = modal(`${who}, ${formatTime(event.ts)}, ${event.camera}`, [img], [{ label: 'Close', value: 'close', primary: true }]);
    if (event.frameUrl) shown.dialog.classList.add('wide');
    await shown.closed;
  };

  const load = async () => {
    clearTimeout(timer);
    if (from.value && to.value && new Date(from.value) > new Date(to.value)) {
      notify('"From" is after "To": swap them or clear one.', 'error');
      return;
    }
    try {
      page = await api.events(query());
      if (left) return;
      // Rows already shown are kept as they are: the API's images are not cacheable (no-store),
      // so rebuilding them every refresh would download every snapshot again.
      const shown = new Map<string, HTMLTableRowElement>();
      for (const tr of body.querySelectorAll<HTMLTableRowElement>('tr[data-key]')) shown.set(tr.dataset.key!, tr);
      body.replaceChildren(...page.events.map((e) => shown.get(rowKey(e)) ?? row(e)));
      if (page.events.length === 0) body.append(h('tr', {}, h('td', { colspan: 6 }, 'No events match.')));
      const first = (cursors.length - 1) * PAGE_SIZE;
      total.textContent = page.total === undefined ? '' : page.events.length === 0 ? `0 of ${page.total}` : `${first + 1}–${first + page.events.length} of ${page.total}`;
    } catch (error) {
      notify(`Could not load events: ${describeError(error)}`, 'error');
    }
    newer.disabled = cursors.length <= 1;
    older.disabled = !page.next;
    if (!left && cursors.length === 1) timer = window.setTimeout(tick, REFRESH_MS);
  };

  /** The auto-refresh waits while a dialog is open: rows must not move under the user. */
  const tick = () => {
    if (document.querySelector('dialog[open]')) timer = window.setTimeout(tick, REFRESH_MS);
    else void load();
  };

  const fillFilters = async () => {
    try {
      const [people, cameras] = await Promise.all([api.people(), api.cameras()]);
      person.append(...people.map((p) => h('option', { value: p.id }, p.name)));
      camera.append(...cameras.map((c) => h('option', { value: c.id }, c.id)));
    } catch (error) {
      notify(`Could not load the filter lists: ${describeError(error)}`, 'error');
    }
  };

  filters.addEventListener('submit', (e) => {
    e.preventDefault();
    cursors = [undefined];
    void load();
  });
  older.addEventListener('click', () => {
    if (!page.next) return;
    cursors.push(page.next);
    void load();
  });
  newer.addEventListener('click', () => {
    if (cursors.length > 1) cursors.pop();
    void load();
  });
  refreshButton.addEventListener('click', () => void load());
  void fillFilters();
  void load();
  return () => {
    left = true;
    clearTimeout(timer);
  };
}
