/**
 * The agent's web step: builds the app's dependencies from a running Agent and starts the
 * server. Agent.start() calls startWeb() last (after cameras), Agent.stop() closes it first.
 */
import { ArcEdgeError } from '../../sdk/index.ts';
import type { Agent } from '../agent.ts';
import { AGENT_VERSION } from '../agent.ts';
import { commandContext } from '../commands/context.ts';
import type { WebConfig } from '../config/schema.ts';
import { createWebApp } from './app.ts';
import type { WebDeps } from './api/route.ts';
import { WebAuth } from './auth.ts';
import { LiveFrames } from './live.ts';
import { startWebServer, type WebServer } from './server.ts';
import { webAssetsDir } from './ui/assets.ts';

export interface RunningWeb {
  readonly url: string;
  readonly live: LiveFrames;
  close(): Promise<void>;
}

export async function startWeb(agent: Agent, config: WebConfig): Promise<RunningWeb> {
  const auth = new WebAuth(config); // CONFIG_INVALID here for a bad hash or a short token
  const { ctx } = commandContext(agent, undefined);
  const live = new LiveFrames(ctx, config.liveFps);
  const deps: WebDeps = {
    auth,
    ctx,
    live,
    store: agent.eventsStore,
    device: agent.config.device.id,
    agentVersion: AGENT_VERSION,
    startedAt: agent.startedAt,
    cameraIds: () => [...agent.cameras.keys()],
    cameraStatus: (id) => agent.cameraStatus.get(id),
    processed: (id) => agent.processed.get(id) ?? 0,
    latencyMs: (id) => agent.latencyMs.get(id),
    models: () => agent.host?.models ?? {},
    threshold: () => agent.host?.threshold,
    modelStats: async () => {
      if (!agent.host) throw new ArcEdgeError('BACKEND_DISPOSED', 'the pipeline is restarting (model swap or worker restart); model statistics return when it is back', { fix: 'ask again in a few seconds' });
      return (await agent.host.call('stats', {})) as Awaited<ReturnType<WebDeps['modelStats']>>;
    },
    recentProblems: () => agent.problems,
  };
  const app = createWebApp(deps, webAssetsDir, {
    tls: config.tls !== undefined,
    log: (error) => agent.logger.log('error', 'web request failed', { error: error instanceof Error ? error.message : String(error) }),
  });
  const server: WebServer = await startWebServer(config, app);
  return {
    url: server.url,
    live,
    close: async () => {
      live.stop();
      await server.close();
    },
  };
}
