/**
 * "Enroll this face", one flow for a live frame, an event snapshot and an uploaded photo:
 * 1. freeze: the agent keeps the frame as it was at the click and answers every face in it;
 * 2. a photo with several faces asks which one (numbered boxes on the frame, one button each);
 * 3. the user names it (a new name, or a person already in the gallery), seeing that exact crop
 *    and who it already looks like;
 * 4. Enroll saves that crop; if the agent finds it looks like someone else, or not like the
 *    person it is added to (FACE_CONFLICT), both faces are shown side by side before anything
 *    is saved, and only "Enroll anyway" saves it.
 */
import { api, ApiError, describeError, type FaceMatch, type FrozenFace, type FrozenFrame, type Person } from './api.ts';
import { field, h, modal, notify } from './dom.ts';
import { FrameView } from './overlay.ts';

export interface EnrollChoice {
  readonly name: string;
  readonly personId?: string;
}

const score = (s: number) => s.toFixed(2);

function matchNote(match: FaceMatch | null): HTMLElement | null {
  if (!match) return null;
  return h(
    'div',
    { class: 'match-note', role: 'note' },
    match.cropUrl ? h('img', { src: match.cropUrl, alt: `Enrolled face of ${match.name}`, class: 'crop' }) : null,
    h('p', {}, `This face already looks like ${match.name} (similarity ${score(match.score)}).`),
  );
}

function qualityNote(face: FrozenFace): HTMLElement | null {
  return face.quality.ok || face.quality.reasons.length === 0 ? null : h('p', { class: 'muted' }, `Quality: ${face.quality.reasons.join(', ')} (it is kept at a lower weight).`);
}

/** Several faces: the frame with numbered boxes, and one button per face. */
export async function pickFace(frozen: FrozenFrame, title: string): Promise<FrozenFace | null> {
  const view = new FrameView('The photo, with its faces numbered');
  view.img.src = frozen.frame;
  view.draw(frozen.width, frozen.height, frozen.faces.map((f, i) => ({ box: f.box, label: String(i + 1), state: 'pick' })));
  const choices = frozen.faces.map((f, i) =>
    h('button', { value: String(i), class: 'face-choice', 'aria-label': `Face ${i + 1}${f.match ? ` (looks like ${f.match.name})` : ''}` }, h('img', { src: f.crop, alt: '', class: 'crop' }), h('span', {}, `Face ${i + 1}`)),
  );
  const { closed } = modal(title, [h('p', {}, `This photo shows ${frozen.faces.length} faces. Which one?`), view.root, h('div', { class: 'face-choices' }, ...choices)], [{ label: 'Cancel', value: 'cancel' }]);
  const value = await closed;
  const index = Number(value);
  return value !== '' && value !== 'cancel' && Number.isInteger(index) ? (frozen.faces[index] ?? null) : null;
}

/** Who is this? A new name or someone enrolled; shows the exact crop that will be saved. */
export async function askWhoThisIs(title: string, face: FrozenFace): Promise<EnrollChoice | null> {
  let people: Person[] = [];
  try {
    people = await api.people();
  } catch {
    // The dialog still works for a new name; the list only saves typing.
  }
  const name = h('input', { type: 'text', name: 'name', autocomplete: 'off' });
  const who = h('select', { name: 'person' }, h('option', { value: '' }, 'New person'), ...people.map((p) => h('option', { value: p.id }, p.name)));
  const syncRequired = () => {
    name.required = who.value === '';
    name.disabled = who.value !== '';
  };
  who.addEventListener('change', syncRequired);
  syncRequired();
  const cancel = h('button', { value: 'cancel', formnovalidate: true }, 'Cancel');
  const form = h(
    'form',
    { method: 'dialog' },
    h('h2', {}, title),
    h('img', { src: face.crop, alt: 'The face to enroll', class: 'enroll-preview' }),
    matchNote(face.match),
    qualityNote(face),
    field('Existing person', who),
    field('New name', name),
    h('div', { class: 'actions' }, cancel, h('button', { value: 'enroll', class: 'primary' }, 'Enroll')),
  );
  const dialog = h('dialog', { 'aria-label': title }, form);
  document.body.append(dialog);
  dialog.showModal();
  name.focus();
  const value = await new Promise<string>((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue)));
  dialog.remove();
  if (value !== 'enroll') return null;
  if (who.value) {
    const person = people.find((p) => p.id === who.value);
    return { name: person?.name ?? who.value, personId: who.value };
  }
  const typed = name.value.trim();
  return typed ? { name: typed } : null;
}

/** FACE_CONFLICT: the new face beside the enrolled one it was compared with. */
async function confirmConflict(face: FrozenFace, choice: EnrollChoice, error: ApiError): Promise<boolean> {
  const d = (error.details ?? {}) as { kind?: string; match?: (FaceMatch & { cropUrl?: string }) | null; target?: (FaceMatch & { cropUrl?: string }) | null };
  const other = d.kind === 'matches-other' ? d.match : d.target;
  const pair = h(
    'div',
    { class: 'side-by-side' },
    h('figure', {}, h('img', { src: face.crop, alt: 'The face to enroll', class: 'crop' }), h('figcaption', {}, `To enroll as ${choice.name}`)),
    other
      ? h('figure', {}, other.cropUrl ? h('img', { src: other.cropUrl, alt: `Enrolled face of ${other.name}`, class: 'crop' }) : h('div', { class: 'crop' }), h('figcaption', {}, `${other.name} (${score(other.score)})`))
      : null,
  );
  const { closed } = modal('Is this the right person?', [h('p', { class: 'error' }, error.message), pair, h('p', { class: 'muted' }, error.fix)], [
    { label: 'Cancel', value: 'cancel' },
    { label: 'Enroll anyway', value: 'confirm', primary: true },
  ]);
  return (await closed) === 'confirm';
}

/** Saves the frozen face; reports on the status line. */
export async function enrollFace(face: FrozenFace, choice: EnrollChoice): Promise<boolean> {
  try {
    let result;
    try {
      result = await api.enrollFace(face.token, choice.name, choice.personId);
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== 'FACE_CONFLICT') throw error;
      if (!(await confirmConflict(face, choice, error))) {
        notify(`Not enrolled: ${error.message}.`);
        return false;
      }
      result = await api.enrollFace(face.token, choice.name, choice.personId, true);
    }
    const skipped = result.person.added === 0 ? ' (an almost identical face was already there)' : '';
    const quality = result.quality.ok ? '' : ` Quality: ${result.quality.reasons.join(', ')}.`;
    notify(`Enrolled ${choice.name}.${skipped}${quality}`);
    return true;
  } catch (error) {
    notify(`Could not enroll ${choice.name}: ${describeError(error)}`, 'error');
    return false;
  }
}

/**
 * The whole flow. `person`: the face is added to that person (Add photo on a card), so the
 * name is not asked. Returns true once a face was saved.
 */
export async function enrollFrozen(title: string, freeze: () => Promise<FrozenFrame>, person?: { id: string; name: string }): Promise<boolean> {
  let frozen: FrozenFrame;
  try {
    frozen = await freeze();
  } catch (error) {
    notify(`Could not read the face: ${describeError(error)}`, 'error');
    return false;
  }
  if (frozen.faces.length === 0) {
    notify('No face was found there; try again when a face is visible (at least ~40 px wide).', 'error');
    return false;
  }
  const face = frozen.faces.length === 1 ? frozen.faces[0]! : await pickFace(frozen, title);
  if (!face) return false;
  const choice = person ? { name: person.name, personId: person.id } : await askWhoThisIs(title, face);
  if (!choice) return false;
  return enrollFace(face, choice);
}
