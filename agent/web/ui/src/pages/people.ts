/**
 * People: the gallery. One card per person with their template crops; add a photo (upload),
 * rename, merge into another person, delete one template, and forget (after a confirmation:
 * templates, crops and event snapshots are erased on the device).
 */
import { api, describeError, fileToBase64, type Person } from '../api.ts';
import { confirmDialog, field, formatTime, h, modal, notify } from '../dom.ts';
import { enrollFace, pickFace } from '../enroll-dialog.ts';

const count = (n: number | undefined, what: string): string => `${n ?? 0} ${what}${n === 1 ? '' : 's'}`;
const sameName = (p: Person, everyone: Person[]): boolean => everyone.some((o) => o.id !== p.id && o.name === p.name);

export function mountPeople(main: HTMLElement): () => void {
  const list = h('div', { class: 'people' });
  const newName = h('input', { type: 'text', name: 'name', required: true, autocomplete: 'off' });
  const newPhoto = h('input', { type: 'file', name: 'photo', accept: 'image/jpeg,image/png', required: true });
  const addForm = h('form', { class: 'add-person', 'aria-label': 'Add a person' }, h('h2', {}, 'Add a person'), field('Name', newName), field('Photo', newPhoto), h('button', { type: 'submit' }, 'Add person'));
  // "Add a person" first: below a long gallery nobody finds it.
  main.append(h('h1', {}, 'People'), addForm, list);
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
        h('button', {
          type: 'button',
          'aria-label': `Delete template ${t.id} of ${person.name}`,
          onclick: async () => {
            const sure = await confirmDialog(`Delete a face of ${person.name}`, `This face is removed from ${person.name}'s templates for good.`, 'Delete');
            if (sure) void act(`Delete template of ${person.name}`, () => api.deleteTemplate(person.id, t.id));
          },
        }, 'Delete'),
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
      if (file) void addFrom(file, { name: person.name, personId: person.id }).then(() => (photo.value = ''));
    });
    // The list of other people is built when asked for: one select per card would put n^2
    // options in the page for a gallery of n people.
    const merge = h('button', { type: 'button' }, 'Merge…');
    merge.disabled = everyone.length < 2;
    merge.addEventListener('click', async () => {
      const others = everyone.filter((p) => p.id !== person.id);
      const into = h('select', { name: 'into' }, ...others.map((p) => h('option', { value: p.id }, sameName(p, everyone) ? `${p.name} (${p.id})` : p.name)));
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
      // The id only where two people share a name: otherwise it is noise (a UUID for CLI enrolls).
      h('h2', {}, person.name, ' ', sameName(person, everyone) ? h('small', {}, person.id) : null),
      h('ul', { class: 'templates', 'aria-label': `Faces of ${person.name}` }, ...crops),
      h('div', { class: 'person-actions' }, renameForm, h('label', { class: 'upload' }, h('span', {}, 'Add photo'), photo), h('div', { class: 'inline' }, merge, forget)),
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

  /**
   * A photo, frozen: with several faces the user picks one; the agent warns (both faces side by
   * side) when it looks like someone else, or not like the person it is added to.
   */
  const addFrom = async (file: File, choice: { name: string; personId?: string }) => {
    try {
      const frozen = await api.freezePhoto(await fileToBase64(file));
      if (frozen.faces.length === 0) notify(`No face was found in ${file.name}; use a photo where the face is at least ~40 px wide.`, 'error');
      else {
        const face = frozen.faces.length === 1 ? frozen.faces[0]! : await pickFace(frozen, `Add a photo of ${choice.name}`);
        if (face) await enrollFace(face, choice);
      }
    } catch (error) {
      notify(`Could not read ${file.name}: ${describeError(error)}`, 'error');
    }
    await load();
  };

  addForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const file = newPhoto.files?.[0];
    const name = newName.value.trim();
    if (!file || !name) return;
    await addFrom(file, { name });
    addForm.reset();
  });
  void load();
  return () => {
    left = true;
  };
}
