/**
 * The agent's web step: builds the app's dependencies from a running Agent and starts the
 * server. Agent.start() calls startWeb() last (after cameras), Agent.stop() closes it first.
 */
import { join } from 'node:path';
import { ArcEdgeError } from '../../sdk/index.ts';
import type { AgentView } from '../agent-view.ts';
import { AGENT_VERSION } from '../version.ts';
import { localStatus } from '../status.ts';
import { commandContext } from '../commands/context.ts';
import { readCameraSettings, writeCameraSettings } from '../config/camera-settings.ts';
import { ignoredFacesFile } from '../pipeline/filters.ts';
import type { WebConfig } from '../config/schema.ts';
import { createWebApp } from './app.ts';
import type { WebDeps } from './api/route.ts';
import { WebAuth } from './auth.ts';
import { IgnoredFaces } from './face-library.ts';
import { FrozenFaces } from './frozen-faces.ts';
import { LibraryCache } from './face-library.ts';
import { HostMonitor } from './host-health.ts';
import { LiveFrames } from './live.ts';
import { insecureListenWarning, startWebServer, type WebServer } from './server.ts';
import { webAssetsDir } from './ui/assets.ts';

export interface RunningWeb {
  readonly url: string;
  readonly live: LiveFrames;
  close(): Promise<void>;
}

export async function startWeb(agent: AgentView, config: WebConfig): Promise<RunningWeb> {
  // CONFIG_INVALID here for a bad hash or a short token. Sessions live in the data folder, so
  // an agent restart (an update, a crash) does not log everyone out.
  const auth = new WebAuth(config, join(agent.config.dataDir, 'web-sessions.json'), (message, error) =>
    agent.logger.log('warn', message, { error: error instanceof Error ? error.message : String(error) }),
  );
  const { ctx } = commandContext(agent, undefined);
  const live = new LiveFrames(ctx, config.liveFps);
  const monitor = new HostMonitor(agent.config.dataDir);
  const deps: WebDeps = {
    auth,
    ctx,
    live,
    frozen: new FrozenFaces(),
    library: new LibraryCache(new IgnoredFaces(ignoredFacesFile(agent.config.dataDir)!)),
    store: agent.eventsStore,
    device: agent.config.device.id,
    agentVersion: AGENT_VERSION,
    startedAt: agent.startedAt,
    status: () => localStatus(agent),
    cameraIds: () => [...agent.cameras.keys()],
    cameraStatus: (id) => agent.cameraStatus.get(id),
    processed: (id) => agent.processed.get(id) ?? 0,
    latencyMs: (id) => agent.latencyMs.get(id),
    models: () => agent.host?.models ?? {},
    threshold: () => agent.host?.threshold,
    modelStats: async () => {
      if (!agent.host) throw new ArcEdgeError('BACKEND_DISPOSED', 'the pipeline is restarting (model swap or worker restart); model statistics return when it is back', { fix: 'ask again in a few seconds' });
      return agent.host.call('stats', {}, { waitReadyMs: 0 }); // the status page never waits for a model load
    },
    recentProblems: () => agent.problems,
    health: () => ({
      host: monitor.read(),
      mqtt: { broker: withoutCredentials(agent.brokerUrl), connected: agent.mqttConnected },
      model: agent.deployer?.modelStatus() ?? null,
      gallery: agent.host?.serving?.gallery ?? null,
      eventsLimitMb: agent.config.events.maxMb,
      retentionDays: agent.config.events.retentionDays,
    }),
    cameraSettings: {
      // The overlay file is the truth once the UI saved something; the config file before that.
      get: (id) => {
        const saved = readCameraSettings(agent.config.dataDir)[id];
        const configured = agent.config.cameras.find((c) => c.id === id);
        return saved ?? { masks: configured?.masks ?? [], minFacePx: configured?.minFacePx ?? 0 };
      },
      save: async (id, settings) => {
        const saved = writeCameraSettings(agent.config.dataDir, id, settings);
        await agent.host?.call('cameraFilters', { id, ...saved }, { camera: id });
        return saved;
      },
    },
    ignoredChanged: async () => {
      // Every worker screens its own cameras' faces; a worker that is restarting reads the file when it starts.
      const workers = agent.host ? agent.config.workers : 0;
      await Promise.allSettled(Array.from({ length: workers }, (_, worker) => agent.host!.call('ignoredFaces', {}, { worker })));
    },
  };
  const app = createWebApp(deps, webAssetsDir, {
    tls: config.tls !== undefined,
    log: (error) => agent.logger.log('error', 'web request failed', { error: error instanceof Error ? error.message : String(error) }),
  });
  const server: WebServer = await startWebServer(config, app);
  const insecure = insecureListenWarning(config);
  if (insecure) agent.logger.log('warn', insecure, { listen: config.listen });
  return {
    url: server.url,
    live,
    close: async () => {
      live.stop();
      await server.close();
    },
  };
}

/** The broker URL without a user or password that a config may carry in it. */
function withoutCredentials(url: string | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return null;
  }
}
