/**
 * People: the gallery. One card per person with their template crops; add a photo (upload),
 * rename, merge into another person, delete one template, and forget (after a confirmation:
 * templates, crops and event snapshots are erased on the device).
 */
import { api, describeError, fileToBase64, type Person } from '../api.ts';
import { confirmDialog, field, formatTime, h, modal, notify } from '../dom.ts';

const count = (n: number | undefined, what: string): string => `${n ?? 0} ${what}${n === 1 ? '' : 's'}`;

export function mountPeople(main: HTMLElement): () => void {
  const list = h('div', { class: 'people' });
  const newName = h('input', { type: 'text', name: 'name', required: true, autocomplete: 'off' });
  const newPhoto = h('input', { type: 'file', name: 'photo', accept: 'image/jpeg,image/png', required: true });
  const addForm = h('form', { class: 'add-person', 'aria-label': 'Add a person' }, h('h2', {}, 'Add a person'), field('Name', newName), field('Photo', newPhoto), h('button', { type: 'submit' }, 'Add person'));
  main.append(h('h1', {}, 'People'), list, addForm);
  let left = false;

  /** Runs a change, reports it, and redraws the list from the server's answer. */
  const act = async (what: string, call: () => Promise<unknown>, done?: (result: unknown) => string) => {
    try {
      const result = await call();
      notify(done ? done(result) : `${what}: done.`);
    } catch (error) {
      notify(`${what} failed: ${describeError(error)}`, 'error');
    }
    await load();
  };

  const card = (person: Person, everyone: Person[]): HTMLElement => {
    const crops = person.templates.map((t) =>
      h(
        'li',
        { class: 'template' },
        h('img', { src: t.cropUrl, alt: `Face of ${person.name}, added ${formatTime(t.createdAt)}`, class: 'crop', loading: 'lazy' }),
        h('button', { type: 'button', 'aria-label': `Delete template ${t.id} of ${person.name}`, onclick: () => void act(`Delete template of ${person.name}`, () => api.deleteTemplate(person.id, t.id)) }, 'Delete'),
      ),
    );
    const rename = h('input', { type: 'text', name: 'rename', value: person.name, 'aria-label': `New name for ${person.name}` });
    const renameForm = h('form', { class: 'inline' }, rename, h('button', { type: 'submit' }, 'Rename'));
    renameForm.addEventListener('submit', (e) => {
      e.preventDefault();
      const name = rename.value.trim();
      if (name && name !== person.name) void act(`Rename ${person.name}`, () => api.rename(person.id, name));
    });
    const photo = h('input', { type: 'file', accept: 'image/jpeg,image/png', 'aria-label': `Add a photo of ${person.name}` });
    photo.addEventListener('change', () => {
      const file = photo.files?.[0];
      if (file) void act(`Add a photo of ${person.name}`, async () => api.addPhoto(person.id, await fileToBase64(file)));
    });
    // The list of other people is built when asked for: one select per card would put n^2
    // options in the page for a gallery of n people.
    const merge = h('button', { type: 'button' }, 'Merge…');
    merge.disabled = everyone.length < 2;
    merge.addEventListener('click', async () => {
      const others = everyone.filter((p) => p.id !== person.id);
      const into = h('select', { name: 'into' }, ...others.map((p) => h('option', { value: p.id }, `${p.name} (${p.id})`)));
      const { closed } = modal(`Merge ${person.name}`, [h('p', {}, `Move every face of ${person.name} to another person; ${person.name} will no longer exist.`), field('Into', into)], [
        { label: 'Cancel', value: 'cancel' },
        { label: 'Merge', value: 'merge', primary: true },
      ]);
      if ((await closed) !== 'merge') return;
      const target = others.find((p) => p.id === into.value);
      if (target) await act(`Merge ${person.name} into ${target.name}`, () => api.merge(person.id, target.id));
    });
    const forget = h('button', { type: 'button', class: 'danger' }, 'Forget');
    forget.addEventListener('click', async () => {
      const sure = await confirmDialog(
        `Forget ${person.name}`,
        `Erase ${person.name}: every face template, crop and event snapshot of this person is deleted from the device. This cannot be undone.`,
        'Forget',
      );
      if (sure) {
        void act(`Forget ${person.name}`, () => api.forget(person.id), (r) => {
          const c = r as { templates?: number; snapshots?: number; events?: number } | undefined;
          return `Forgot ${person.name}: ${count(c?.templates, 'template')}, ${count(c?.snapshots, 'snapshot')} and ${count(c?.events, 'event')} erased.`;
        });
      }
    });
    return h(
      'article',
      { class: 'person', 'aria-label': person.name, 'data-person-id': person.id },
      h('h2', {}, person.name, ' ', h('small', {}, person.id)),
      h('ul', { class: 'templates', 'aria-label': `Faces of ${person.name}` }, ...crops),
      h('div', { class: 'person-actions' }, renameForm, h('label', { class: 'upload' }, 'Add photo ', photo), h('div', { class: 'inline' }, merge, forget)),
    );
  };

  const load = async () => {
    try {
      const people = await api.people();
      if (left) return;
      list.replaceChildren(...people.map((p) => card(p, people)));
      if (people.length === 0) list.append(h('p', {}, 'Nobody is enrolled yet.'));
    } catch (error) {
      notify(`Could not load people: ${describeError(error)}`, 'error');
    }
  };

  addForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const file = newPhoto.files?.[0];
    const name = newName.value.trim();
    if (!file || !name) return;
    await act(`Add ${name}`, async () => api.addPerson(name, await fileToBase64(file)));
    addForm.reset();
  });
  void load();
  return () => {
    left = true;
  };
}
