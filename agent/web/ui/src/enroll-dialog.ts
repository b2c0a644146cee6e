/**
 * "Enroll this face": one dialog for a live frame and an event snapshot. The user types a new
 * name or picks a person already in the gallery (the face is then added to that person).
 */
import { api, describeError, type Person } from './api.ts';
import { field, h, notify } from './dom.ts';

export interface EnrollChoice {
  readonly name: string;
  readonly personId?: string;
}

export async function askWhoThisIs(title: string, imageUrl: string | null): Promise<EnrollChoice | null> {
  let people: Person[] = [];
  try {
    people = await api.people();
  } catch {
    // The dialog still works for a new name; the list only saves typing.
  }
  const name = h('input', { type: 'text', name: 'name', autocomplete: 'off' });
  const who = h('select', { name: 'person' }, h('option', { value: '' }, 'New person'), ...people.map((p) => h('option', { value: p.id }, `${p.name} (${p.id})`)));
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
    imageUrl ? h('img', { src: imageUrl, alt: 'The face to enroll', class: 'enroll-preview' }) : null,
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

/** Runs an enroll call and reports the outcome on the status line. */
export async function enrollAndReport(choice: EnrollChoice, call: (c: EnrollChoice) => Promise<unknown>): Promise<boolean> {
  try {
    await call(choice);
    notify(`Enrolled ${choice.name}.`);
    return true;
  } catch (error) {
    notify(`Could not enroll ${choice.name}: ${describeError(error)}`, 'error');
    return false;
  }
}
