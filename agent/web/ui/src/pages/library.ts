/**
 * Face library: recent unknown faces grouped by identity (GET /api/library). Name a group once
 * and its best faces are enrolled and every sighting is named; "Not a face" hides a group (a
 * painting, a poster) and faces like it. The agent embeds snapshots a few dozen per request,
 * so the page asks again while some are still pending.
 */
import { api, ApiError, describeError, type Person } from '../api.ts';
import { confirmDialog, formatTime, h, modal, notify } from '../dom.ts';

interface Group {
  readonly count: number;
  readonly eventIds: string[];
  readonly faces: { eventId: string; ts: string; camera: string; snapshotUrl: string }[];
  readonly firstTs: string;
  readonly lastTs: string;
}
interface Library {
  readonly threshold: number;
  readonly pending: number;
  readonly ignored: number;
  readonly groups: Group[];
}

const PENDING_RETRY_MS = 500;

export function mountLibrary(main: HTMLElement): () => void {
  const summary = h('p', { class: 'muted' });
  const list = h('div', { class: 'groups' });
  main.append(h('div', { class: 'library' }, h('h1', {}, 'Face library'), h('p', {}, 'Unknown faces seen lately, grouped by person. Name a group to enroll its best faces and name all its sightings; mark false detections as "Not a face".'), summary, list));
  let left = false;
  let timer: number | undefined;
  let people: Person[] = [];

  const name = async (group: Group, typed: string, confirm = false): Promise<void> => {
    const existing = people.find((p) => p.name === typed);
    try {
      const r = await api.libraryName(group.eventIds, typed, existing?.id, confirm);
      notify(`Named ${r.events} sighting${r.events === 1 ? '' : 's'} ${typed}; ${r.enrolled} face${r.enrolled === 1 ? '' : 's'} enrolled.`);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'FACE_CONFLICT' && !confirm) {
        const d = (error.details ?? {}) as { match?: { name: string; cropUrl?: string } | null };
        const pair = h(
          'div',
          { class: 'side-by-side' },
          h('figure', {}, h('img', { src: group.faces[0]!.snapshotUrl, alt: 'A face of this group', class: 'crop' }), h('figcaption', {}, `To name ${typed}`)),
          d.match?.cropUrl ? h('figure', {}, h('img', { src: d.match.cropUrl, alt: `Enrolled face of ${d.match.name}`, class: 'crop' }), h('figcaption', {}, d.match.name)) : null,
        );
        const { closed } = modal('Is this the right person?', [h('p', { class: 'error' }, error.message), pair], [
          { label: 'Cancel', value: 'cancel' },
          { label: 'Name anyway', value: 'confirm', primary: true },
        ]);
        if ((await closed) === 'confirm') return name(group, typed, true);
        return;
      }
      notify(`Could not name the group: ${describeError(error)}`, 'error');
    }
    await load();
  };

  const card = (group: Group, index: number): HTMLElement => {
    const title = `Unknown person ${index + 1}`;
    const input = h('input', { type: 'text', name: 'name', required: true, autocomplete: 'off', list: 'library-people', 'aria-label': `Name for ${title}` });
    const form = h('form', { class: 'inline' }, input, h('button', { type: 'submit', class: 'primary' }, 'Name'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const typed = input.value.trim();
      if (typed) void name(group, typed);
    });
    const ignore = h('button', { type: 'button' }, 'Not a face');
    ignore.addEventListener('click', async () => {
      if (!(await confirmDialog(`Ignore ${title}`, `Hide these ${group.count} sightings and faces like them from the library (a picture, a poster, a false detection).`, 'Not a face'))) return;
      try {
        await api.libraryIgnore(group.eventIds);
        notify(`${title} is ignored.`);
      } catch (error) {
        notify(`Could not ignore the group: ${describeError(error)}`, 'error');
      }
      await load();
    });
    return h(
      'article',
      { class: 'group', 'aria-label': title, 'data-count': group.count },
      h('h2', {}, title, ' ', h('small', { class: 'muted' }, `${group.count} sighting${group.count === 1 ? '' : 's'}`)),
      h('p', { class: 'muted' }, group.count === 1 ? formatTime(group.firstTs) : `${formatTime(group.firstTs)} – ${formatTime(group.lastTs)}`),
      h('ul', { class: 'templates', 'aria-label': `Faces of ${title}` }, ...group.faces.map((f) => h('li', {}, h('img', { src: f.snapshotUrl, alt: `${title} on ${f.camera} at ${formatTime(f.ts)}`, class: 'crop', loading: 'lazy' })))),
      form,
      h('div', { class: 'inline' }, ignore),
    );
  };

  const load = async () => {
    clearTimeout(timer);
    try {
      const [library, everyone] = await Promise.all([api.library() as Promise<Library>, api.people()]);
      if (left) return;
      people = everyone;
      summary.textContent =
        (library.pending > 0 ? `Reading ${library.pending} more snapshot${library.pending === 1 ? '' : 's'}… ` : '') +
        `${library.groups.length} group${library.groups.length === 1 ? '' : 's'}${library.ignored ? `, ${library.ignored} ignored` : ''}.`;
      main.querySelector('#library-people')?.remove();
      main.append(h('datalist', { id: 'library-people' }, ...people.map((p) => h('option', { value: p.name }))));
      list.replaceChildren(...library.groups.map(card));
      if (library.groups.length === 0 && library.pending === 0) list.append(h('p', {}, 'No unknown faces lately.'));
      if (library.pending > 0) timer = window.setTimeout(() => void load(), PENDING_RETRY_MS);
    } catch (error) {
      notify(`Could not load the face library: ${describeError(error)}`, 'error');
    }
  };
  void load();
  return () => {
    left = true;
    clearTimeout(timer);
  };
}
