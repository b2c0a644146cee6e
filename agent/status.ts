/**
 * The retained device status, built in one place for every consumer: the MQTT status topic, the
 * status command and the web API. A superset of the protocol's DeviceStatus (sdk/protocol/status.ts):
 * the protocol fields first, then what only a local caller (command, web) gets.
 */
import type { CameraStatus, DevicePhase, DeviceStatus } from '../sdk/index.ts';
import type { AgentView } from './agent-view.ts';
import { AGENT_VERSION } from './version.ts';

/** The payload of arcedge/<device>/status while the agent runs. */
export function deviceStatus(agent: AgentView): DeviceStatus {
  const model = agent.deployer?.modelStatus();
  const gallery = agent.host?.serving?.gallery;
  const deploy = agent.deployer?.status;
  return {
    device: agent.config.device.id,
    state: 'online',
    phase: agent.phase,
    ts: new Date().toISOString(),
    version: AGENT_VERSION,
    cameras: agent.config.cameras.filter((c) => c.enabled).map((c) => c.id),
    ...(model ? { model } : {}),
    ...(gallery ? { gallery } : {}),
    ...(deploy ? { deploy } : {}),
  };
}

/** The offline status a clean stop publishes itself (a clean disconnect sends no last will). */
export function offlineStatus(device: string): DeviceStatus {
  return { device, state: 'offline', ts: new Date().toISOString(), version: AGENT_VERSION };
}

/** What the status command answers: the device status plus local detail. */
export interface LocalStatus {
  readonly device: string;
  readonly phase: DevicePhase;
  readonly version: string;
  readonly uptimeSec: number;
  readonly broker: string | undefined;
  readonly models: Record<string, string> | undefined;
  readonly model: DeviceStatus['model'];
  readonly gallery: DeviceStatus['gallery'];
  readonly deploy: DeviceStatus['deploy'];
  readonly threshold: number | undefined;
  readonly cameras: CameraStatus[];
  readonly pendingEvents: number;
  readonly pipeline: { processes: number; ready: number; restarts: number } | undefined;
}

export function localStatus(agent: AgentView): LocalStatus {
  const status = deviceStatus(agent);
  const host = agent.host;
  return {
    device: status.device,
    phase: agent.phase,
    version: AGENT_VERSION,
    uptimeSec: Math.round((Date.now() - agent.startedAt) / 1000),
    broker: agent.brokerUrl,
    models: host?.models,
    model: status.model,
    gallery: status.gallery,
    deploy: status.deploy,
    threshold: host?.threshold,
    cameras: [...agent.cameraStatus.values()],
    pendingEvents: agent.outbox.size(),
    pipeline: host ? { processes: host.workerThreads, ready: host.processes().filter((p) => p.ready).length, restarts: host.restarts } : undefined,
  };
}
