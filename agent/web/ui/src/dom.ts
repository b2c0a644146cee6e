/**
 * A few DOM helpers so the pages read as markup: h() builds an element (text children are text
 * nodes, never HTML, so names and camera ids from the device cannot inject markup), notify()
 * writes the status line, confirmDialog() asks before something irreversible.
 */

type Attrs = Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>;
type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(key.replace(/^on/, '').toLowerCase(), value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
  return el;
}

/** A labelled control: the tests (and screen readers) find inputs by their label text. */
export function field(label: string, control: HTMLElement): HTMLLabelElement {
  return h('label', { class: 'field' }, h('span', {}, label), control);
}

/** While set, notify() leaves the status line alone (the session-ended notice must survive the errors of the page it ended). */
let locked = false;

export function lockNotice(message: string, kind: 'ok' | 'error' = 'error'): void {
  locked = false;
  notify(message, kind);
  locked = true;
}

export function unlockNotice(): void {
  locked = false;
}

export function notify(message: string, kind: 'ok' | 'error' = 'ok'): void {
  const box = document.getElementById('notice');
  if (!box || locked) return;
  box.textContent = message;
  box.className = kind;
}

export function clear(el: HTMLElement): void {
  el.replaceChildren();
}

export function formatTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** A modal <dialog>; resolves with the value of the button pressed ('' when cancelled). */
export function modal(title: string, body: HTMLElement[], buttons: { label: string; value: string; primary?: boolean }[]): { dialog: HTMLDialogElement; closed: Promise<string> } {
  const form = h('form', { method: 'dialog' }, h('h2', {}, title), ...body, h('div', { class: 'actions' }, ...buttons.map((b) => h('button', { value: b.value, class: b.primary ? 'primary' : '' }, b.label))));
  const dialog = h('dialog', { 'aria-label': title }, form);
  document.body.append(dialog);
  const closed = new Promise<string>((resolve) =>
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(dialog.returnValue);
    }),
  );
  dialog.showModal();
  return { dialog, closed };
}

export async function confirmDialog(title: string, message: string, confirmLabel: string): Promise<boolean> {
  const { closed } = modal(title, [h('p', {}, message)], [
    { label: 'Cancel', value: 'cancel' },
    { label: confirmLabel, value: 'confirm', primary: true },
  ]);
  return (await closed) === 'confirm';
}
