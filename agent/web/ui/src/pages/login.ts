/** The login page: one password field. 429 (too many wrong passwords) says when to try again. */
import { api, ApiError, describeError } from '../api.ts';
import { field, h } from '../dom.ts';

export function mountLogin(main: HTMLElement, done: (csrfToken: string) => void): () => void {
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const message = h('p', { class: 'error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Log in');
  const form = h('form', { class: 'login', 'aria-label': 'Log in' }, h('h1', {}, 'Log in'), field('Password', password), submit, message);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.textContent = '';
    submit.disabled = true;
    try {
      const { csrfToken } = await api.login(password.value);
      done(csrfToken);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) message.textContent = 'Wrong password.';
      else if (error instanceof ApiError && error.status === 429) message.textContent = `Too many attempts; try again in ${error.retryAfterSec ?? 60} s.`;
      else message.textContent = `Could not log in: ${describeError(error)}`;
      password.select();
    } finally {
      submit.disabled = false;
    }
  });
  main.append(form);
  password.focus();
  return () => {};
}
