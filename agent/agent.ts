/**
 * The agent: cameras in, recognition events out over MQTT. start() is the list of steps, in
 * order; stop() undoes them in reverse. The main thread only moves bytes and messages (capture
 * pipes, MQTT, commands, watchdogs); models run in worker threads (pipeline/worker.ts).
 */
import { join } from 'node:path';
// The agent's own error codes, declared before anything can throw one (agent/errors.ts).
import './errors.ts';
import {
  isArcEdgeError,
  CameraStatusSchema,
  deviceTopics,
  commandNameOf,
  INVALID_REQUEST_ID,
  type CameraState,
  type CameraStatus,
  type DevicePhase,
  type DeviceStatus,
  type DeviceTopics,
  type RecognitionEvent,
} from '../sdk/index.ts';
import type { AgentView } from './agent-view.ts';
import { handleCommand } from './commands/handler.ts';
import { deviceStatus, offlineStatus } from './status.ts';
import { TransferStore } from './deploy/transfer-store.ts';
import { commandContext } from './commands/context.ts';
import type { AgentConfig } from './config/schema.ts';
import { readSecret } from './config/secrets.ts';
import { pruneEvents } from './events-store/retention.ts';
import { EventsStore } from './events-store/store.ts';
import { keepingProblems, type LoggedProblem, type Logger } from './log.ts';
import { EventLoopLag, StageTimings } from './metrics.ts';
import { buildMetrics } from './metrics-report.ts';
import { Deployer } from './deploy/apply.ts';
import { reconcileAtStartup } from './deploy/reconcile.ts';
import { connectMqtt, tlsOptions, type MqttConnection } from '../sdk/internal.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from './mqtt/embedded-broker.ts';
import { configuredBrokerUsers } from './mqtt/broker-auth.ts';
import { dropRetainedCommand } from './commands/retained.ts';
import { eventsKey } from './events-store/encryption.ts';
import { cameraStateTopic, homeAssistantDiscovery } from './mqtt/home-assistant.ts';
import { Outbox } from './mqtt/outbox.ts';
import { EventPublisher } from './mqtt/publisher.ts';
import { PipelineHost, type PipelineHostEvents } from './pipeline/pipeline-host.ts';
import { Camera } from './sources/camera.ts';
import { createSource } from './sources/create-source.ts';
import type { RunningWeb } from './web/web.ts';

export { AGENT_VERSION } from './version.ts';

export interface AgentHooks {
  /**
   * The reload command: re-read and validate the config (throwing CONFIG_INVALID with every
   * problem), and say which top-level keys changed; apply() (run after the reply is sent) stops
   * this agent and starts one with the new config.
   */
  reload?(): Promise<{ changed: string[]; apply: () => Promise<void> }>;
  /** Every event, after it is safely in the outbox (the demo prints them). */
  event?(event: RecognitionEvent): void;
}

export class Agent implements AgentView {
  readonly topics: DeviceTopics;
  readonly outbox: Outbox;
  /** Chunked transfers staged under <dataDir>/incoming/ (arcedge deploy, gallery push). */
  readonly transfers: TransferStore;
  readonly cameras = new Map<string, Camera>();
  readonly cameraStatus = new Map<string, CameraStatus>();
  /** Each camera's source state (camera.ts), before the pipeline's state is folded in. */
  private readonly sourceStates = new Map<string, { state: CameraState; detail: { reason?: string; retryInMs?: number } }>();
  /** Cameras whose pipeline process is down, with its reason and retry. */
  private readonly pipelineDown = new Map<string, { reason?: string; retryInMs?: number }>();
  readonly timings = new StageTimings();
  readonly lag = new EventLoopLag();
  brokerUrl: string | undefined;
  host: PipelineHost | undefined;
  connection: MqttConnection | undefined;
  get mqttConnected(): boolean {
    return this.connection?.connected === true;
  }
  private broker: EmbeddedBroker | undefined;
  private publisher: EventPublisher;
  private metricsTimer: NodeJS.Timeout | undefined;
  /** Model packages and gallery pushes (agent/deploy); created in start(). */
  deployer: Deployer | undefined;
  readonly startedAt = Date.now();
  readonly processed = new Map<string, number>();
  /** Frames the detector ran on, per camera (the rest of the processed ones were motion-gated). */
  readonly detected = new Map<string, number>();
  readonly liveTracks = new Map<string, number>();
  /** Per camera: events not published because the face was marked "Not a face" (since start). */
  readonly ignoredEvents = new Map<string, number>();
  /** Capture-to-result latency of each camera's last processed frame. */
  readonly latencyMs = new Map<string, number>();
  /** The last warnings and errors (the web Device page). */
  readonly problems: LoggedProblem[] = [];
  readonly logger: Logger;
  eventsStore: EventsStore | undefined;
  web: RunningWeb | undefined;
  private retentionTimer: NodeJS.Timeout | undefined;
  /** Ends this agent's subscription to the pipeline host's events (stop(); a reload's next Agent subscribes its own). */
  private unsubscribeHost: (() => void) | undefined;

  constructor(
    readonly config: AgentConfig,
    logger: Logger,
    private readonly hooks: AgentHooks = {},
    /** A running pipeline from a previous Agent (reload): reconfigured, never restarted. */
    private readonly reuse?: PipelineHost,
  ) {
    this.logger = keepingProblems(logger, this.problems);
    this.topics = deviceTopics(config.device.id);
    this.outbox = new Outbox(join(config.dataDir, 'outbox'));
    this.transfers = new TransferStore(
      join(config.dataDir, 'incoming'),
      { maxBytes: config.transfers.maxBytes, staleMs: config.transfers.staleHours * 3600_000 },
      (level, msg, fields) => this.logger.log(level, msg, fields),
    );
    this.publisher = new EventPublisher(this.outbox, this.topics.events, (e) => this.logger.log('warn', 'event publish failed', { error: e.message }));
  }

  async start(): Promise<void> {
    const { config, logger } = this;
    const enabled = config.cameras.filter((c) => c.enabled);
    logger.log('info', 'agent starting', { device: config.device.id, cameras: enabled.map((c) => c.id), pendingEvents: this.outbox.size() });
    this.transfers.cleanStale();
    // 0. The event history (a failure to open it costs the history, not the recognition).
    if (config.events.store) {
      try {
        this.eventsStore = new EventsStore(config.dataDir, config.events.encrypt ? { key: eventsKey() } : {});
        if (this.eventsStore.orphans > 0) logger.log('warn', 'snapshot files without an event removed', { files: this.eventsStore.orphans });
        this.prune();
        this.retentionTimer = setInterval(() => this.prune(), 3_600_000);
        this.retentionTimer.unref();
      } catch (error) {
        logger.log('error', 'event history unavailable', { error: isArcEdgeError(error) ? error.toJSON() : String(error) });
      }
    }
    // 1. The broker: the configured one, or an embedded one.
    if (config.mqtt.url) this.brokerUrl = config.mqtt.url;
    else {
      this.broker = await startEmbeddedBroker({
        host: config.mqtt.embedded.host,
        port: config.mqtt.embedded.port,
        maxPacketBytes: config.commands.maxPayloadBytes,
        users: configuredBrokerUsers(config.mqtt.embedded),
        allowAnonymous: config.mqtt.embedded.allowAnonymous,
        deviceId: config.device.id,
        haPrefix: config.homeAssistant.prefix,
        log: (level, msg, fields) => logger.log(level, msg, fields),
      });
      this.brokerUrl = this.broker.url;
      logger.log('info', 'embedded MQTT broker listening', { url: this.brokerUrl });
    }
    // 2. MQTT: connect in the background, before any model loads, so the device says online
    //    (phase starting, then building) while models load or TensorRT builds engines (minutes on
    //    a first start); events wait in the outbox until the broker is there.
    this.connect();
    // 3. The deployed model (models/current.json) and a gallery that agrees with it, then the
    //    pipeline processes (models load here; the slowest step). A pipeline that cannot start
    //    (missing model, bad GPU) puts its cameras in error with the reason; the supervisor
    //    retries with backoff while commands and the web UI keep working.
    const deployed = await reconcileAtStartup(config, logger, { clean: !this.reuse });
    this.deployer = new Deployer(this, deployed.pointer, deployed.status);
    const init = {
      device: config.device.id,
      models: config.models,
      recognizer: deployed.recognizer,
      inference: config.inference,
      galleryPath: config.gallery,
      threshold: config.recognition.threshold,
      tracking: config.tracking,
      motion: config.motion,
      cooldownMs: config.recognition.cooldownSec * 1000,
      // The history keeps a snapshot even for cameras whose MQTT events carry none (stripped in onEvents).
      cameras: enabled.map((c) => ({ id: c.id, snapshots: c.snapshots || (this.eventsStore !== undefined && config.events.snapshots), masks: c.masks, minFacePx: c.minFacePx })),
      dataDir: config.dataDir, // masks saved from the web UI, faces marked "Not a face" (pipeline/filters.ts)
    };
    const intervals = new Map(enabled.map((c) => [c.id, c.detectIntervalMs]));
    try {
      if (this.reuse) {
        this.host = this.reuse;
        this.unsubscribeHost = this.host.subscribe(this.hostEvents());
        await this.host.configure(init, intervals);
      } else {
        this.host = new PipelineHost(init, config.workers, intervals);
        this.unsubscribeHost = this.host.subscribe(this.hostEvents());
        await this.host.start();
      }
      logger.log('info', 'pipeline ready', { models: this.host.models, threshold: this.host.threshold, workers: config.workers });
    } catch (error) {
      logger.log('error', 'pipeline not started; retrying with backoff', { error: isArcEdgeError(error) ? error.toJSON() : String(error) });
    }
    this.setPhase();
    // 4. Cameras, each on its own supervisor.
    for (const camera of enabled) {
      const supervisor = new Camera(
        camera,
        {
          frame: (id, frame) => this.host?.offer(id, frame),
          state: (id, state, detail) => this.onCameraState(id, state, detail),
        },
        // Frames cross at the detector's width unless the camera sets maxWidth (create-source.ts).
        (c) => createSource(c, { minVotes: config.tracking.minVotes, detectorInputWidth: this.host?.detectorInputWidth }),
      );
      this.cameras.set(camera.id, supervisor);
      supervisor.start();
    }
    // 5. Metrics.
    this.metricsTimer = setInterval(() => this.publishMetrics(), config.metrics.intervalSec * 1000);
    this.metricsTimer.unref();
    // 6. The web UI and API (a port in use costs the web page, not the recognition).
    if (config.web) {
      try {
        const { startWeb } = await import('./web/web.ts'); // Hono is loaded only when configured
        this.web = await startWeb(this, config.web);
        logger.log('info', 'web server listening', { url: this.web.url });
      } catch (error) {
        logger.log('error', 'web server not started', { error: isArcEdgeError(error) ? error.toJSON() : String(error) });
      }
    }
  }

  private prune(): void {
    if (!this.eventsStore) return;
    try {
      const removed = pruneEvents(this.eventsStore, this.config.events);
      if (removed.byAge + removed.bySize > 0) this.logger.log('info', 'event history pruned', { ...removed });
    } catch (error) {
      this.logger.log('warn', 'event history pruning failed', { error: (error as Error).message });
    }
  }

  private hostEvents(): PipelineHostEvents {
    return {
      events: (events, snapshots, frames) => this.onEvents(events, snapshots, frames),
      batch: (stats, frames) => {
        for (const [stage, ms] of Object.entries(stats.stagesMs)) this.timings.add(stage, ms);
        for (const [camera, n] of Object.entries(stats.ignored ?? {})) this.ignoredEvents.set(camera, (this.ignoredEvents.get(camera) ?? 0) + n);
        const now = Date.now();
        for (const f of frames) {
          this.timings.add('latency', now - f.ts);
          this.latencyMs.set(f.camera, now - f.ts);
          this.processed.set(f.camera, (this.processed.get(f.camera) ?? 0) + 1);
        }
        for (const [camera, c] of Object.entries(stats.cameras)) {
          if (c.detected) this.detected.set(camera, (this.detected.get(camera) ?? 0) + 1);
          const before = this.liveTracks.get(camera);
          this.liveTracks.set(camera, c.tracks);
          if (this.config.homeAssistant.discovery && before !== c.tracks && this.connection?.connected) {
            void this.connection.publish(cameraStateTopic(this.topics, camera, 'faces'), String(c.tracks), { qos: 0, retain: true }).catch(() => {});
          }
        }
      },
      log: (level, msg, fields) => this.logger.log(level, msg, fields),
      dropped: (camera, frame) => this.cameras.get(camera)?.recycle(frame),
      pipeline: (cameras, state, detail) => {
        if (state === 'building') {
          if (this.phase !== 'ready') this.setPhase('building');
          return;
        }
        for (const camera of cameras) {
          if (state === 'down') this.pipelineDown.set(camera, detail);
          else this.pipelineDown.delete(camera);
          this.publishCameraStatus(camera);
        }
        this.setPhase();
      },
    };
  }

  /**
   * What the device is doing, in its retained status: starting (MQTT up, models not yet loading),
   * building (a pipeline process loads models or builds engines), ready, or restarting (a
   * pipeline process is down and comes back after its backoff).
   */
  phase: DevicePhase = 'starting';

  private setPhase(phase?: DevicePhase): void {
    const host = this.host;
    const next = phase ?? (!host ? 'starting' : host.processes().every((p) => p.ready) ? 'ready' : host.restarts > 0 || this.phase === 'ready' || this.phase === 'restarting' ? 'restarting' : 'building');
    if (next === this.phase) return;
    this.phase = next;
    this.statusChanged();
  }

  private connect(): void {
    const { config, logger } = this;
    // The embedded broker's own account for this agent wins over configured credentials.
    const own = this.broker?.credentials;
    const username = own?.username ?? config.mqtt.username;
    const password = own?.password ?? (config.mqtt.password ? readSecret(config.mqtt.password) : undefined);
    const tls = config.mqtt.tls && tlsOptions({ ...config.mqtt.tls, passphrase: config.mqtt.tls.keyPassphrase ? readSecret(config.mqtt.tls.keyPassphrase) : undefined });
    const offline = JSON.stringify({ device: config.device.id, state: 'offline' });
    const connection = connectMqtt(
      {
        url: this.brokerUrl!,
        clientId: config.mqtt.clientId ?? `arcedge-${config.device.id}`,
        ...(username !== undefined ? { username } : {}),
        ...(password !== undefined ? { password } : {}),
        keepaliveSec: config.mqtt.keepaliveSec,
        reconnectMs: config.mqtt.reconnectMs,
        ...(tls ? { tls } : {}),
        will: { topic: this.topics.status, payload: offline, retain: true },
      },
      {
        connect: () => void this.onConnect(),
        close: () => this.publisher.disconnected(),
        message: (topic, payload, retained) => void this.onMessage(topic, payload, retained),
        error: (error) => logger.log('warn', 'mqtt error', { error: error.message }),
      },
    );
    this.connection = connection;
  }

  private async onConnect(): Promise<void> {
    const connection = this.connection!;
    this.logger.log('info', 'mqtt connected', { url: this.brokerUrl, pendingEvents: this.outbox.size() });
    try {
      await connection.subscribe(this.topics.commands);
      await connection.publish(this.topics.status, JSON.stringify(this.deviceStatus()), { qos: 1, retain: true });
      for (const s of this.cameraStatus.values()) await connection.publish(this.topics.cameraStatus(s.camera), JSON.stringify(s), { qos: 1, retain: true });
      if (this.config.homeAssistant.discovery) {
        for (const m of homeAssistantDiscovery(this.config, this.topics)) await connection.publish(m.topic, m.payload, { qos: 1, retain: true });
      }
    } catch (error) {
      this.logger.log('warn', 'mqtt setup after connect failed', { error: (error as Error).message });
    }
    this.publisher.connected(connection);
  }

  /** The retained device status: online, phase, agent version, cameras, and what model and gallery serve. */
  deviceStatus(): DeviceStatus {
    return deviceStatus(this);
  }

  /** Model, gallery or deploy changed: republish the retained status (the broker keeps the latest). */
  statusChanged(): void {
    if (this.connection?.connected) void this.connection.publish(this.topics.status, JSON.stringify(this.deviceStatus()), { qos: 1, retain: true }).catch(() => {});
  }

  private onEvents(events: readonly RecognitionEvent[], snapshots: Readonly<Record<string, Uint8Array>> = {}, frames: Readonly<Record<string, Uint8Array>> = {}): void {
    let stored = false;
    for (const original of events) {
      let event = original;
      const jpeg = snapshots[event.id];
      if (this.eventsStore) {
        try {
          stored = this.eventsStore.insert(event, jpeg, frames[event.id]) || stored; // the full frame: history only, never MQTT
        } catch (error) {
          this.logger.log('warn', 'event not kept in the history', { error: (error as Error).message, event: event.id });
        }
      }
      // Base64 at the edge that needs it: the MQTT payload of a camera that sends snapshots.
      if (jpeg && this.config.cameras.find((c) => c.id === event.camera)?.snapshots) event = { ...event, snapshot: Buffer.from(jpeg).toString('base64') };
      try {
        this.outbox.add(JSON.stringify(event)); // on disk before anything is sent
      } catch (error) {
        this.logger.log('error', 'event not stored', { error: (error as Error).message, event: event.id });
        continue;
      }
      const { snapshot: _snapshot, ...printable } = event;
      this.logger.log('info', 'event', printable);
      this.hooks.event?.(event);
      if (this.config.homeAssistant.discovery && event.type !== 'track_end' && this.connection?.connected) {
        void this.connection.publish(cameraStateTopic(this.topics, event.camera, 'last_person'), event.identity?.name ?? 'unknown', { qos: 0, retain: true }).catch(() => {});
      }
    }
    this.publisher.kick();
    if (stored && this.eventsStore && this.eventsStore.sizeBytes() > this.config.events.maxMb * 1024 * 1024) this.prune();
  }

  private onCameraState(camera: string, state: CameraState, detail: { reason?: string; retryInMs?: number }): void {
    this.sourceStates.set(camera, { state, detail });
    if (state === 'stopped' || state === 'offline') this.host?.cameraStopped(camera);
    this.publishCameraStatus(camera);
  }

  /**
   * A camera's retained status: its source's state, except that a camera whose frames reach no
   * running pipeline process is in error (with the process's reason and retry) until it is back.
   */
  private publishCameraStatus(camera: string): void {
    const source = this.sourceStates.get(camera);
    const down = this.pipelineDown.get(camera);
    const { state, detail } = down && (!source || source.state === 'online' || source.state === 'starting') ? { state: 'error' as const, detail: down } : (source ?? { state: 'starting' as const, detail: {} });
    const previous = this.cameraStatus.get(camera);
    if (previous && previous.state === state && previous.reason === detail.reason && state !== 'offline') return;
    const status = CameraStatusSchema.parse({ device: this.config.device.id, camera, state, ...detail, ts: new Date().toISOString() });
    this.cameraStatus.set(camera, status);
    this.logger.log(state === 'online' || state === 'starting' ? 'info' : 'warn', 'camera state', { camera, state, ...detail });
    if (this.connection?.connected) void this.connection.publish(this.topics.cameraStatus(camera), JSON.stringify(status), { qos: 1, retain: true }).catch(() => {});
  }

  private async onMessage(topic: string, payload: Buffer, retained = false): Promise<void> {
    const name = commandNameOf(this.config.device.id, topic);
    if (name === undefined) return;
    if (await dropRetainedCommand(topic, payload, retained, this.connection, (level, msg, fields) => this.logger.log(level, msg, fields))) return;
    const context = commandContext(this, this.hooks.reload);
    const { requestId, reply } = await handleCommand(context.ctx, name, payload);
    if (!reply.ok) this.logger.log('warn', 'command failed', { command: name, id: requestId, code: reply.error?.code });
    try {
      await this.connection?.publish(this.topics.reply(requestId ?? INVALID_REQUEST_ID), JSON.stringify(reply), { qos: 1 });
    } catch (error) {
      this.logger.log('warn', 'reply not delivered', { command: name, id: requestId, error: (error as Error).message });
    }
    await context.afterReply();
  }

  publishMetrics(): ReturnType<typeof buildMetrics> {
    const metrics = buildMetrics(this);
    this.logger.log('info', 'metrics', metrics as unknown as Record<string, unknown>);
    if (this.connection?.connected) void this.connection.publish(this.topics.metrics, JSON.stringify(metrics), { qos: 0 }).catch(() => {});
    return metrics;
  }

  /**
   * Stops in reverse order: cameras, pipeline (its track_end events reach the outbox), MQTT,
   * broker. With keepPipeline (reload) the workers keep running and are returned for the next Agent.
   */
  async stop(options: { keepPipeline?: boolean } = {}): Promise<PipelineHost | undefined> {
    await this.web?.close();
    this.web = undefined;
    clearInterval(this.metricsTimer);
    this.transfers.close();
    await Promise.all([...this.cameras.values()].map((c) => c.stop()));
    const host = this.host;
    this.host = undefined;
    // The pipeline's last track_end events still reach this agent's outbox; a kept host stops
    // talking to this agent now (the next Agent subscribes in its start()).
    if (!options.keepPipeline) await host?.stop();
    this.unsubscribeHost?.();
    this.unsubscribeHost = undefined;
    if (this.connection?.connected) {
      const offline = offlineStatus(this.config.device.id);
      // A clean end() sends no last will, so say offline ourselves; give queued events a moment.
      await Promise.race([this.connection.publish(this.topics.status, JSON.stringify(offline), { qos: 1, retain: true }).catch(() => {}), new Promise((r) => setTimeout(r, 2000))]);
    }
    await this.connection?.end(true);
    await this.broker?.close();
    clearInterval(this.retentionTimer);
    this.eventsStore?.close(); // after the pipeline: its last track_end events are stored
    this.eventsStore = undefined;
    this.lag.stop();
    this.logger.log('info', 'agent stopped', { pendingEvents: this.outbox.size() });
    return options.keepPipeline ? host : undefined;
  }
}
