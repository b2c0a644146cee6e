/**
 * The agent's configuration: one strict zod schema (unknown keys rejected), every field
 * described and defaulted here, once. docs/agent-config.md is generated from it
 * (`npm run docs`), so the reference cannot drift from what the agent accepts.
 */
import { z } from 'zod';
import { AnalyzerOptionsSchema, ID_PATTERN } from '../../sdk/index.ts';

/** A secret never sits in the config file itself: it names an env variable or a 0600 file. */
export const SecretSchema = z
  .union([
    z.object({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).describe('name of the environment variable holding the secret') }).strict(),
    z.object({ file: z.string().min(1).describe('path of a file holding the secret (mode 0600 or stricter; trailing newline ignored)') }).strict(),
  ])
  .describe('{ env: NAME } or { file: /path } (the file must not be readable by group or others)');

const Id = (what: string) => z.string().regex(ID_PATTERN, `${what} must be 1-64 letters, digits, . _ or -`);

/**
 * The per-camera settings the web UI edits (Live -> Masks): kept in the config like any other
 * field, and overridden by <dataDir>/camera-settings.json (agent/config/camera-settings.ts).
 */
export const CameraSettingsSchema = z
  .object({
    masks: z
      .array(
        z
          .object({
            name: z.string().max(64).optional().describe('a label for the list (e.g. "painting")'),
            points: z
              .array(z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]))
              .min(3)
              .max(64)
              .describe('vertices as [x, y] fractions (0..1) of the frame width and height, so a mask fits any stream size'),
          })
          .strict(),
      )
      .max(32)
      .default([])
      .describe('polygons filled with grey before detection: no face is ever found inside one (a painting, a poster, a TV)'),
    minFacePx: z.number().int().min(0).max(4096).default(0).describe('faces narrower than this many frame pixels are dropped before tracking: no box, no event (0: keep every face)'),
  })
  .strict();

export const CameraSchema = z
  .object({
    id: Id('camera id').describe('camera id, used in topics (arcedge/<device>/cameras/<id>/status) and events'),
    source: z
      .string()
      .regex(/^(file|folder|rtsp|rtsps|v4l2|csi):\/\//, 'source must start with file://, folder://, rtsp://, rtsps://, v4l2:// or csi://')
      .describe('file:///clip.mp4, folder:///photos, rtsp://host/path, v4l2:///dev/video0, csi://0'),
    width: z.number().int().min(32).max(7680).optional().describe('frame width the pipeline gets; default: the source\'s own (probed), 1280 for v4l2/csi, 640 for folder'),
    height: z.number().int().min(32).max(4320).optional().describe('frame height; give width and height together'),
    maxWidth: z
      .number()
      .int()
      .min(160)
      .max(7680)
      .optional()
      .describe('when width/height are not given: a source wider than this is scaled down (aspect kept) in the capture process, so a 1080p or 4K frame never crosses to the agent at full size; default for file and RTSP sources: 1280 (or the detector\'s input width if wider); v4l2/CSI devices are asked for 1280x720. Faces are aligned from the scaled frame: 1280 is twice the detector\'s 640, so a face it finds at 56 px fills the 112 px crop; set 640 where faces are large for a few more frames/s, or the source width for very small faces'),
    fps: z.number().positive().max(120).optional().describe('frames per second read from the source; default: the source\'s rate (folder: 2)'),
    loop: z.boolean().default(false).describe('file and folder sources: start again at the end instead of ending'),
    holdSec: z
      .number()
      .positive()
      .max(60)
      .optional()
      .describe('folder sources: how long each photo is shown (repeated at fps) so a track can collect its votes; default: tracking.minVotes + 1 frames, at least 2 s'),
    decoder: z
      .enum(['software', 'jetson'])
      .default('software')
      .describe('software: ffmpeg (everywhere); jetson: GStreamer with nvv4l2decoder / nvarguscamerasrc (JetPack)'),
    transport: z.enum(['tcp', 'udp']).default('tcp').describe('RTSP transport'),
    codec: z
      .enum(['h264', 'h265', 'auto'])
      .default('h264')
      .describe('decoder jetson, rtsp and file sources: the stream\'s codec for nvv4l2decoder (many IP cameras send h265); auto lets GStreamer\'s parsebin find it'),
    detectIntervalMs: z.number().int().nonnegative().default(0).describe('minimum time between two processed frames of this camera (0: as fast as the pipeline goes)'),
    stallTimeoutSec: z.number().positive().default(5).describe('no frame for this long: the capture process is killed and restarted'),
    startTimeoutSec: z.number().positive().default(20).describe('the same for the first frame after a (re)start: probing and opening a stream can be slow'),
    snapshots: z.boolean().default(false).describe('attach a base64 JPEG of the face to recognized/unknown events'),
    enabled: z.boolean().default(true).describe('false: configured but not started'),
    ...CameraSettingsSchema.shape,
  })
  .strict()
  .refine((c) => (c.width === undefined) === (c.height === undefined), { message: 'give width and height together', path: ['width'] });

export const AgentConfigSchema = z
  .object({
    device: z
      .object({
        id: Id('device id').describe('device id, the second topic level: arcedge/<id>/...'),
        name: z.string().optional().describe('human-readable name (Home Assistant discovery)'),
      })
      .strict()
      .describe('this device'),
    mqtt: z
      .object({
        url: z
          .string()
          .regex(/^(mqtt|mqtts|ws|wss|tcp|ssl):\/\//, 'url must start with mqtt://, mqtts://, ws:// or wss://')
          .optional()
          .describe('broker URL; omitted: an embedded broker is started on embedded.host:embedded.port'),
        username: z.string().optional().describe('user name'),
        password: SecretSchema.optional().describe('password, from the environment or a 0600 file'),
        clientId: z.string().optional().describe('MQTT client id; default arcedge-<device.id>'),
        keepaliveSec: z.number().int().min(5).max(3600).default(30).describe('keep-alive interval; the broker sends the last will after 1.5x this without traffic'),
        reconnectMs: z.number().int().min(100).max(60000).default(1000).describe('delay between reconnect attempts'),
        tls: z
          .object({
            ca: z.string().optional().describe('CA certificate file (PEM) to trust for the broker'),
            cert: z.string().optional().describe('client certificate file (PEM), for brokers that require one'),
            key: z.string().optional().describe('client private key file (PEM, mode 0600)'),
            keyPassphrase: SecretSchema.optional().describe('passphrase of the client key'),
            rejectUnauthorized: z.boolean().default(true).describe('false accepts any broker certificate (testing only)'),
          })
          .strict()
          .optional()
          .describe('TLS settings for mqtts:// and wss://'),
        embedded: z
          .object({
            host: z.string().default('127.0.0.1').describe('address the embedded broker listens on'),
            port: z.number().int().min(0).max(65535).default(1883).describe('port (0: any free port)'),
            users: z
              .array(
                z
                  .object({
                    username: z.string().min(1).max(128).regex(/^[^:\s]+$/, 'no colon or space').describe('user name; a device account is named by its device id'),
                    password: SecretSchema.describe('password, from the environment or a 0600 file'),
                    role: z.enum(['operator', 'device']).default('operator').describe('operator: read and write arcedge/#; device: only its own topics (examples/broker/arcedge.acl)'),
                  })
                  .strict(),
              )
              .optional()
              .describe('accounts of the embedded broker; with any user (here or in usersFile) anonymous clients are refused'),
            usersFile: z.string().min(1).optional().describe('a 0600 file of "[operator|device] username:password" lines, beside or instead of users'),
            allowAnonymous: z.boolean().default(false).describe('accept anonymous clients on a non-loopback host (anyone who reaches the port can command the device)'),
          })
          .strict()
          .default({ host: '127.0.0.1', port: 1883, allowAnonymous: false })
          .describe('embedded aedes broker, used when url is omitted (MQTT 3.1.1)'),
      })
      .strict()
      .default({ keepaliveSec: 30, reconnectMs: 1000, embedded: { host: '127.0.0.1', port: 1883, allowAnonymous: false } })
      .describe('MQTT connection'),
    models: z.string().min(1).default('default').describe('model set: "default", a registry name (buffalo_sc, ...) or local:<dir>'),
    inference: AnalyzerOptionsSchema.omit({ models: true }).optional().describe('createFacePipeline options: use (which model per role), backend (threads, targets), detect, quality'),
    gallery: z.string().min(1).default('./gallery.db').describe('gallery file, relative to the config file'),
    dataDir: z.string().min(1).default('./arcedge-data').describe('agent state (the event outbox), relative to the config file'),
    workers: z.number().int().min(1).max(8).default(1).describe('pipeline worker threads; each loads its own models. Cameras are spread over them'),
    cameras: z.array(CameraSchema).min(1).describe('cameras to watch').refine((cams) => new Set(cams.map((c) => c.id)).size === cams.length, 'camera ids must be unique'),
    motion: z
      .object({
        enabled: z.boolean().default(true).describe('skip detection on frames that hardly differ from the last detected one while a camera has no open track'),
        pixelDelta: z.number().int().min(1).max(255).default(20).describe('grey-level change (0-255) that counts a sampled pixel as changed'),
        minChangedFraction: z.number().min(0).max(1).default(0.002).describe('fraction of sampled pixels that must change for a frame to be detected (0.002: a 32 px face in a 640x480 frame is ~0.3%)'),
        maxSkipMs: z.number().int().positive().default(2000).describe('detect at least this often even in a still scene'),
      })
      .strict()
      .default({ enabled: true, pixelDelta: 20, minChangedFraction: 0.002, maxSkipMs: 2000 })
      .describe('motion gating: do less work per frame when nothing changes'),
    tracking: z
      .object({
        iouThreshold: z.number().min(0.05).max(0.95).default(0.3).describe('a detection continues a track when their boxes overlap at least this much'),
        maxMissedMs: z.number().int().positive().default(700).describe('a track ends after this long without a matching detection'),
        cutSimilarity: z.number().min(-1).max(1).default(0.2).describe('a new embedding below this cosine to its track\'s mean starts a new track (a cut in the video)'),
        minVotes: z.number().int().min(1).max(50).default(3).describe('embedded frames needed before deciding an identity'),
        maxVotes: z.number().int().min(1).max(100).default(8).describe('stop embedding a decided track after this many votes (until a periodic re-check)'),
        recheckMs: z.number().int().positive().default(3000).describe('re-embed a decided track this often, to catch a cut the IoU tracker missed'),
        minFacePx: z.number().int().min(8).default(32).describe('faces narrower than this are tracked but never embedded'),
      })
      .strict()
      .default({ iouThreshold: 0.3, maxMissedMs: 700, cutSimilarity: 0.2, minVotes: 3, maxVotes: 8, recheckMs: 3000, minFacePx: 32 })
      .describe('the IoU tracker and when to embed'),
    recognition: z
      .object({
        threshold: z.number().min(-1).max(1).optional().describe('cosine similarity at or above which a vote names a person; default: the recognizer manifest\'s recommended threshold, else 0.4'),
        cooldownSec: z.number().nonnegative().default(10).describe('after a recognized event for a person on a camera, suppress further ones for them there for this long'),
      })
      .strict()
      .default({ cooldownSec: 10 })
      .describe('decisions and event suppression'),
    deploy: z
      .object({
        trustedKeys: z.array(z.string().min(1)).default([]).describe('Ed25519 public keys (PEM files, relative to the config file) whose signed model packages this device accepts; empty: every package is refused'),
        minVersion: z.number().int().nonnegative().default(0).describe('no model package below this version is applied, whoever signed it (beside the per-key floor the device keeps)'),
        revoked: z
          .array(z.string().regex(/^(sha256:[0-9a-fA-F]{64}|[^@\s]+@\d+)$/, 'a revocation is "sha256:<key fingerprint>" or "<package>@<version>"'))
          .default([])
          .describe('signing keys ("sha256:<fingerprint of the public key>") and package versions ("<name>@<version>") never applied'),
        keep: z.number().int().min(2).max(10).default(2).describe('model packages kept in <dataDir>/models: the serving one and the previous ones (rollback goes to the newest previous)'),
      })
      .strict()
      .default({ trustedKeys: [], minVersion: 0, revoked: [], keep: 2 })
      .describe('model packages and galleries pushed with arcedge deploy / gallery push (docs/deploy.md)'),
    commands: z
      .object({
        maxPayloadBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(4 * 1024 * 1024).describe('command payloads above this are refused before decoding'),
      })
      .strict()
      .default({ maxPayloadBytes: 4 * 1024 * 1024 })
      .describe('MQTT commands'),
    transfers: z
      .object({
        maxBytes: z.number().int().min(1024 * 1024).default(1024 * 1024 * 1024).describe('largest file (package .tar or gallery) a transfer may declare, bytes; also the cap on all unfinished transfers together. The free disk must hold twice the file'),
        staleHours: z.number().positive().default(24).describe('an unfinished (or never applied) transfer idle this long is deleted from <dataDir>/incoming/'),
      })
      .strict()
      .default({ maxBytes: 1024 * 1024 * 1024, staleHours: 24 })
      .describe('chunked transfers from `arcedge deploy` and `arcedge gallery push` (docs/deploy.md)'),
    metrics: z
      .object({ intervalSec: z.number().positive().default(30).describe('metrics publish interval (also logged)') })
      .strict()
      .default({ intervalSec: 30 })
      .describe('health metrics'),
    homeAssistant: z
      .object({
        discovery: z.boolean().default(false).describe('publish Home Assistant MQTT discovery: per camera a "last person" sensor and a face count'),
        prefix: z.string().default('homeassistant').describe('discovery topic prefix'),
      })
      .strict()
      .default({ discovery: false, prefix: 'homeassistant' })
      .describe('Home Assistant integration'),
    web: z
      .object({
        listen: z
          .string()
          .regex(/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/, 'listen must be host:port, e.g. 127.0.0.1:8080 or [::1]:8080')
          .default('127.0.0.1:8080')
          .describe('address:port the web server binds; the default is reachable from this machine only. Port 0: any free port (logged)'),
        passwordHash: z
          .string()
          .regex(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/, 'passwordHash must be a scrypt$N$r$p$salt$key hash: run `arcedge web-password` and paste its output')
          .optional()
          .describe('login password hash from `arcedge web-password` (scrypt$N$r$p$salt$hash); a hash, so the config can be shared'),
        passwordHashFile: z.string().min(1).optional().describe('instead of passwordHash: a file holding the hash (mode 0600 or stricter)'),
        tokenFile: z.string().min(1).optional().describe('file holding the bearer token for API clients (mode 0600; at least 32 characters): Authorization: Bearer <token>'),
        tls: z
          .object({
            cert: z.string().min(1).describe('certificate chain file (PEM)'),
            key: z.string().min(1).describe('private key file (PEM, mode 0600)'),
          })
          .strict()
          .optional()
          .describe('serve HTTPS with this certificate (session cookies get the Secure flag)'),
        sessionHours: z.number().positive().max(24 * 30).default(12).describe('a login session ends this long after login'),
        loginAttemptsPerMinute: z.number().int().min(1).max(100).default(5).describe('wrong passwords allowed per client (an IPv4 address or an IPv6 /64) per minute, and 20 times that from everyone together; more get 429 with Retry-After'),
        liveFps: z.number().positive().max(30).default(5).describe('frames per second of the live MJPEG stream (frames are only encoded while someone watches)'),
      })
      .strict()
      .refine((w) => !(w.passwordHash && w.passwordHashFile), { message: 'give passwordHash or passwordHashFile, not both', path: ['passwordHash'] })
      .refine((w) => Boolean(w.passwordHash || w.passwordHashFile || w.tokenFile), { message: 'the web server needs passwordHash, passwordHashFile or tokenFile: it serves nothing without auth', path: ['passwordHash'] })
      .optional()
      .describe('the device web UI and JSON API (docs/web-api.md); omitted: no web server'),
    events: z
      .object({
        store: z.boolean().default(true).describe('keep every published event in SQLite under dataDir (the web Events page and the MQTT events command read it)'),
        snapshots: z.boolean().default(true).describe('store a JPEG of the face with each recognized/unknown event (even for cameras whose MQTT events carry none)'),
        retentionDays: z.number().positive().default(30).describe('events (and their snapshots) older than this are deleted'),
        maxMb: z.number().positive().default(500).describe('the event database plus snapshots stay under this many MiB: the oldest events go first'),
        encrypt: z.boolean().default(false).describe('encrypt events.db (SQLCipher) and the snapshot JPEGs (AES-256-GCM) with the gallery key ($ARCEDGE_GALLERY_KEY or _FILE); protects a removed disk, not a running device'),
      })
      .strict()
      .default({ store: true, snapshots: true, retentionDays: 30, maxMb: 500, encrypt: false })
      .describe('event history on the device'),
    log: z
      .object({ level: z.enum(['debug', 'info', 'warn', 'error']).default('info').describe('lowest level written (JSON lines on stdout)') })
      .strict()
      .default({ level: 'info' })
      .describe('logging'),
  })
  .strict();

export type AgentConfig = z.output<typeof AgentConfigSchema>;
export type CameraConfig = AgentConfig['cameras'][number];
export type CameraSettings = z.output<typeof CameraSettingsSchema>;
export type Secret = z.output<typeof SecretSchema>;
export type WebConfig = NonNullable<AgentConfig['web']>;
export type EventsConfig = AgentConfig['events'];
