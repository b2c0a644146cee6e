/**
 * The web UI shell: checks the session, shows the login page or the page named by the URL hash
 * (#/live, #/events, #/people, #/device), and unmounts the previous page first so a page left
 * behind stops its timers and closes its live streams (nothing is encoded for nobody).
 */
import { api, ApiError, describeError, onConnection, setCsrfToken, setUnauthorizedHandler } from './api.ts';
import { h, lockNotice, notify, unlockNotice } from './dom.ts';
import { mountDevice } from './pages/device.ts';
import { mountEvents } from './pages/events.ts';
import { mountLibrary } from './pages/library.ts';
import { mountLive } from './pages/live.ts';
import { mountLogin } from './pages/login.ts';
import { mountPeople } from './pages/people.ts';

export type Unmount = () => void;
type Mount = (main: HTMLElement) => Unmount;

const PAGES: Record<string, { title: string; mount: Mount }> = {
  live: { title: 'Live', mount: mountLive },
  events: { title: 'Events', mount: mountEvents },
  people: { title: 'People', mount: mountPeople },
  library: { title: 'Face library', mount: mountLibrary },
  device: { title: 'Device', mount: mountDevice },
};

const main = document.getElementById('main') as HTMLElement;
const nav = document.getElementById('nav') as HTMLElement;
const logout = document.getElementById('logout') as HTMLButtonElement;
const downBanner = document.getElementById('device-down') as HTMLElement;
/** While logged in, the session is checked this often (faster while the device is down), so a stopped agent is noticed on every page and its return too. */
const HEARTBEAT_MS = 5000;
const DOWN_HEARTBEAT_MS = 2000;
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
      unlockNotice();
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
  // Locked: the page being left may still report its own failed requests after this.
  lockNotice('Your session ended; log in again.');
  show();
});

onConnection((down, since) => {
  downBanner.hidden = !down;
  document.body.classList.toggle('device-down', down);
  if (down) downBanner.textContent = `The device is not answering (no connection since ${new Date(since).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}). Retrying…`;
});

let heartbeat: number | undefined;
async function beat(): Promise<void> {
  let wasDown = false;
  try {
    if (loggedIn) await api.ping();
  } catch {
    wasDown = true; // unreachable (the banner shows) or logged out (the login page shows)
  }
  heartbeat = window.setTimeout(() => void beat(), wasDown ? DOWN_HEARTBEAT_MS : HEARTBEAT_MS);
}

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
  if (heartbeat === undefined) void beat();
}

void start();
