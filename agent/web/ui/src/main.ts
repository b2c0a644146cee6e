/**
 * The web UI shell: checks the session, shows the login page or the page named by the URL hash
 * (#/live, #/events, #/people, #/device), and unmounts the previous page first so a page left
 * behind stops its timers and closes its live streams (nothing is encoded for nobody).
 */
import { api, ApiError, describeError, setCsrfToken, setUnauthorizedHandler } from './api.ts';
import { h, notify } from './dom.ts';
import { mountDevice } from './pages/device.ts';
import { mountEvents } from './pages/events.ts';
import { mountLive } from './pages/live.ts';
import { mountLogin } from './pages/login.ts';
import { mountPeople } from './pages/people.ts';

export type Unmount = () => void;
type Mount = (main: HTMLElement) => Unmount;

const PAGES: Record<string, { title: string; mount: Mount }> = {
  live: { title: 'Live', mount: mountLive },
  events: { title: 'Events', mount: mountEvents },
  people: { title: 'People', mount: mountPeople },
  device: { title: 'Device', mount: mountDevice },
};

const main = document.getElementById('main') as HTMLElement;
const nav = document.getElementById('nav') as HTMLElement;
const logout = document.getElementById('logout') as HTMLButtonElement;
let unmount: Unmount = () => {};
let loggedIn = false;

function pageName(): string {
  const name = location.hash.replace(/^#\/?/, '').split('?')[0] ?? '';
  return name in PAGES ? name : 'live';
}

function show(): void {
  unmount();
  main.replaceChildren();
  nav.hidden = !loggedIn;
  logout.hidden = !loggedIn;
  if (!loggedIn) {
    document.title = 'Log in · arcedge';
    unmount = mountLogin(main, (token) => {
      setCsrfToken(token);
      loggedIn = true;
      notify('');
      show();
    });
    return;
  }
  const name = pageName();
  const page = PAGES[name]!;
  document.title = `${page.title} · arcedge`;
  for (const link of nav.querySelectorAll('a')) {
    if (link.getAttribute('href') === `#/${name}`) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  unmount = page.mount(main);
}

setUnauthorizedHandler(() => {
  if (!loggedIn) return;
  loggedIn = false;
  setCsrfToken(null);
  notify('Your session ended; log in again.', 'error');
  show();
});

logout.addEventListener('click', async () => {
  try {
    await api.logout();
  } catch {
    // Logging out of an expired session is already done.
  }
  loggedIn = false;
  setCsrfToken(null);
  show();
});

window.addEventListener('hashchange', () => {
  if (!loggedIn) return;
  notify('');
  show();
});

async function start(): Promise<void> {
  try {
    const session = await api.session();
    setCsrfToken(session.csrfToken);
    loggedIn = true;
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) {
      // Not "logged out" but "cannot ask": say so instead of showing a login that cannot work.
      const retry = h('button', { type: 'button' }, 'Try again');
      retry.addEventListener('click', () => void start());
      main.replaceChildren(h('p', { class: 'error', role: 'alert' }, `Cannot reach the agent: ${describeError(error)}`), retry);
      return;
    }
    loggedIn = false;
  }
  show();
}

void start();
