/**
 * What commands, the web UI, metrics and deploy see of a running agent: an interface, so they
 * depend on this file and not on the Agent class (agent.ts imports them; they never import it).
 */
import type { CameraStatus, DevicePhase } from '../sdk/index.ts';
import type { AgentConfig } from './config/schema.ts';
import type { Deployer } from './deploy/apply.ts';
import type { DeployAgent } from './deploy/types.ts';
import type { TransferStore } from './deploy/transfer-store.ts';
import type { EventsStore } from './events-store/store.ts';
import type { LoggedProblem, Logger } from './log.ts';
import type { EventLoopLag, StageTimings } from './metrics.ts';
import type { Outbox } from './mqtt/outbox.ts';
import type { PipelineHost } from './pipeline/pipeline-host.ts';
import type { Camera } from './sources/camera.ts';

export interface AgentView extends DeployAgent {
  readonly config: AgentConfig;
  readonly logger: Logger;
  readonly startedAt: number;
  readonly brokerUrl: string | undefined;
  /** Whether the agent's own MQTT connection is up now (the web's Device page). */
  readonly mqttConnected: boolean;
  readonly phase: DevicePhase;
  readonly outbox: Outbox;
  readonly transfers: TransferStore;
  readonly cameras: ReadonlyMap<string, Camera>;
  /** Each camera's retained status as last published. */
  readonly cameraStatus: ReadonlyMap<string, CameraStatus>;
  readonly processed: ReadonlyMap<string, number>;
  readonly detected: ReadonlyMap<string, number>;
  readonly liveTracks: ReadonlyMap<string, number>;
  /** Per camera: events not published because the face was marked "Not a face" (since start). */
  readonly ignoredEvents: ReadonlyMap<string, number>;
  readonly latencyMs: ReadonlyMap<string, number>;
  readonly problems: readonly LoggedProblem[];
  readonly timings: StageTimings;
  readonly lag: EventLoopLag;
  readonly host: PipelineHost | undefined;
  readonly deployer: Deployer | undefined;
  readonly eventsStore: EventsStore | undefined;
  /** Model, gallery, deploy or phase changed: republish the retained status. */
  statusChanged(): void;
}
