/** Login, logout and the current session's CSRF token. */
import { LoginBodySchema } from '../../../sdk/internal.ts';
import { body, type ApiRoute } from './route.ts';

export const SESSION_ROUTES: readonly ApiRoute[] = [
  {
    method: 'POST',
    path: '/api/login',
    public: true,
    summary: 'log in with the web password: sets the session cookie, returns { csrfToken }',
    handler: async (c, deps) => deps.auth.login(c, (await body(c, LoginBodySchema)).password),
  },
  { method: 'POST', path: '/api/logout', summary: 'end this session', handler: (c, deps) => deps.auth.logout(c) },
  {
    method: 'GET',
    path: '/api/session',
    summary: 'the current session: { csrfToken } (bearer clients get csrfToken null)',
    handler: (c, deps) => {
      const p = deps.auth.principal(c);
      return c.json({ csrfToken: p?.kind === 'session' ? p.session.csrfToken : null });
    },
  },
];
