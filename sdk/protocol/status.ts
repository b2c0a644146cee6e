/**
 * Retained status payloads. The device status is also the MQTT last will (state offline), so a
 * subscriber always sees the truth, even after a power cut. Camera status is retained per camera.
 */
import { z } from 'zod';

/** What an online device is doing: starting, building (TensorRT engines), ready, restarting. */
export const DEVICE_PHASES = ['starting', 'building', 'ready', 'restarting'] as const;

/** The zod schema of a device's retained status on arcedge/<device>/status (also its last will). */
export const DeviceStatusSchema = z
  .object({
    device: z.string().min(1).describe('device id'),
    state: z.enum(['online', 'offline']).describe('offline is also the last will, sent by the broker when the agent vanishes'),
    phase: z
      .enum(DEVICE_PHASES)
      .optional()
      .describe('online only: starting (connected, models not loading yet), building (models load or TensorRT engines build; minutes on a first start), ready (recognizing), restarting (a pipeline process is down and restarts after its backoff)'),
    ts: z.iso.datetime({ offset: true }).optional().describe('when the agent published it (absent in the last will, which is written at connect time)'),
    version: z.string().optional().describe('agent version'),
    cameras: z.array(z.string()).optional().describe('configured camera ids'),
    model: z
      .object({
        package: z.string().describe('model package name, or "config" for the models of the agent config'),
        version: z.number().int().nonnegative().describe('package version (0: the config\'s models)'),
        modelId: z.string().describe('recognizer model id'),
        embeddingSize: z.number().int().positive().describe('embedding length'),
        backend: z.string().describe('execution targets the models run on (e.g. cpu)'),
      })
      .strict()
      .optional()
      .describe('the recognizer serving now'),
    gallery: z
      .object({
        identities: z.number().int().nonnegative().describe('enrolled people'),
        templates: z.number().int().nonnegative().describe('templates in the serving generation'),
        generation: z.number().int().positive().describe('serving embedding generation'),
      })
      .strict()
      .optional()
      .describe('the gallery serving now'),
    deploy: z
      .object({
        state: z.enum(['applying', 'applied', 'refused', 'failed', 'rolled-back']).describe('last apply/rollback: refused (package rejected), failed (a step failed; the old model serves)'),
        package: z.string().optional().describe('package name (or "gallery")'),
        version: z.number().int().optional().describe('package version'),
        transfer: z.string().optional().describe('transfer id the apply came from'),
        reason: z.object({ code: z.string(), message: z.string() }).strict().optional().describe('why it was refused or failed (docs/errors.md)'),
        ts: z.iso.datetime({ offset: true }).describe('when the state changed'),
      })
      .strict()
      .optional()
      .describe('the last model or gallery deploy on this device'),
  })
  .strict();

/** States of a camera: starting, online, offline, error, stopped. */
export const CAMERA_STATES = ['starting', 'online', 'offline', 'error', 'stopped'] as const;

/** The zod schema of one camera's retained status on arcedge/<device>/cameras/<camera>/status. */
export const CameraStatusSchema = z
  .object({
    device: z.string().min(1).describe('device id'),
    camera: z.string().min(1).describe('camera id'),
    state: z.enum(CAMERA_STATES).describe('online: frames arrive; offline: no frames (stall or source gone), retrying with backoff; error: the source cannot start (bad config); stopped: agent shut down'),
    reason: z.string().optional().describe('why it is not online (last error, stall)'),
    retryInMs: z.number().nonnegative().optional().describe('offline: when the next restart is attempted'),
    ts: z.iso.datetime({ offset: true }).describe('when the state changed'),
  })
  .strict();

const Percentiles = z
  .object({ p50: z.number().describe('median, ms'), p95: z.number().describe('95th percentile, ms'), p99: z.number().describe('99th percentile, ms'), max: z.number().describe('maximum, ms') })
  .strict();

/** The zod schema of a device's periodic metrics: capture and processing rates and drops per camera, stage times. */
export const MetricsSchema = z
  .object({
    device: z.string().min(1).describe('device id'),
    ts: z.iso.datetime({ offset: true }).describe('end of the reporting window'),
    windowMs: z.number().nonnegative().describe('length of the window the rates cover'),
    cameras: z
      .record(
        z.string(),
        z
          .object({
            state: z.enum(CAMERA_STATES).describe('camera state'),
            captureFps: z.number().describe('frames read from the source per second'),
            processedFps: z.number().describe('frames the pipeline processed per second'),
            droppedFrames: z.number().int().describe('frames replaced by a newer one before processing (latest-frame-wins), this window'),
            queueDepth: z.number().int().describe('frames waiting (0 or 1: latest-frame-wins)'),
            tracks: z.number().int().describe('live tracks'),
            restarts: z.number().int().describe('source restarts since start'),
            ignoredEvents: z.number().int().optional().describe('events not published since start because the face matched a group marked "Not a face" in the web face library'),
            processedFrames: z.number().int().optional().describe('frames the pipeline processed, this window'),
            detectedFrames: z.number().int().optional().describe('of those, frames the detector ran on (the rest were motion-gated: no open track and no change), this window'),
          })
          .strict(),
      )
      .describe('per camera'),
    stagesMs: z.record(z.string(), Percentiles).describe('per pipeline stage (detect, embed, identify, total) latency percentiles'),
    eventLoopLagMs: Percentiles.describe('main-thread event-loop delay'),
    outbox: z.number().int().describe('events on disk waiting for a PUBACK'),
    pipeline: z
      .object({
        processes: z.number().int().describe('pipeline processes configured (workers)'),
        ready: z.number().int().describe('pipeline processes up and recognizing'),
        restarts: z.number().int().describe('pipeline process restarts since start (crash, kill, failed model load)'),
      })
      .strict()
      .optional()
      .describe('the supervised inference processes'),
    memory: z.object({ rssMb: z.number(), heapUsedMb: z.number() }).strict().describe('process memory'),
  })
  .strict();

export type DeviceStatus = z.infer<typeof DeviceStatusSchema>;
export type CameraStatus = z.infer<typeof CameraStatusSchema>;
export type CameraState = (typeof CAMERA_STATES)[number];
export type DevicePhase = (typeof DEVICE_PHASES)[number];
export type Metrics = z.infer<typeof MetricsSchema>;
