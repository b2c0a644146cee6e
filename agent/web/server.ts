/**
 * The web server's socket: the one file that imports @hono/node-server. HTTP by default on
 * 127.0.0.1:8080 (this machine only); HTTPS (node:https) when web.tls names a certificate.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { serve, type HttpBindings } from '@hono/node-server';
import type { Hono } from 'hono';
import { ArcEdgeError } from '../../sdk/index.ts';
import type { WebConfig } from '../config/schema.ts';

export type WebEnv = { Bindings: HttpBindings };

export interface WebServer {
  readonly url: string;
  close(): Promise<void>;
}

export function parseListen(listen: string): { host: string; port: number } {
  const at = listen.lastIndexOf(':');
  const host = listen.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(listen.slice(at + 1)) };
}

/**
 * A warning for a listener other processes' users or the LAN can reach over plain HTTP: the
 * password and session cookie would cross the network readable. Not refused (a trusted
 * segment or a TLS-terminating proxy in front are real setups), but never silent.
 */
export function insecureListenWarning(config: Pick<WebConfig, 'listen' | 'tls'>): string | undefined {
  if (config.tls) return undefined;
  const { host } = parseListen(config.listen);
  const loopback = host === 'localhost' || host === '::1' || /^127\./.test(host);
  return loopback ? undefined : `web.listen ${config.listen} is reachable from the network over plain HTTP: the password and session cookie travel unencrypted; set web.tls (docs/web.md) or listen on 127.0.0.1 behind a TLS proxy`;
}

export async function startWebServer(config: WebConfig, app: Hono<WebEnv>): Promise<WebServer> {
  const { host, port } = parseListen(config.listen);
  const tls = config.tls ? { cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) } : undefined;
  const server = serve({
    fetch: app.fetch,
    hostname: host,
    port,
    ...(tls ? { createServer: createHttpsServer, serverOptions: tls } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new ArcEdgeError('CONFIG_INVALID', `the web server cannot listen on ${config.listen}: ${error.code ?? error.message}`, {
          fix: error.code === 'EADDRINUSE' ? 'another program uses that port: choose another web.listen port' : 'check web.listen (host:port of this machine)',
          cause: error,
        }),
      ),
    );
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `${tls ? 'https' : 'http'}://${shownHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        // Open MJPEG streams would keep close() waiting forever.
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
