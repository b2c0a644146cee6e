/**
 * Live: each camera's latest annotated frame (boxes, track ids, names drawn by the agent).
 * The image is the MJPEG stream (/api/cameras/:id/live); if the stream fails the page falls
 * back to polling frame.jpg at POLL_MS. Streams are closed when the page is left or hidden, so
 * the agent encodes nothing while nobody watches.
 */
import { api, describeError, type CameraInfo } from '../api.ts';
import { enrollAndReport, askWhoThisIs } from '../enroll-dialog.ts';
import { h, notify } from '../dom.ts';

/** 5 frames/s when polling: "several times a second" at one small JPEG per request. */
const POLL_MS = 200;
/**
 * Browsers open at most 6 HTTP/1.1 connections per host, and each MJPEG stream holds one for
 * as long as it runs: past 4 streams the page's own API calls would queue behind them. Cameras
 * beyond the first MAX_STREAMS are polled instead, more slowly (EXTRA_POLL_MS), so a device
 * with many cameras neither stalls the page nor encodes 5 frames/s for each of them.
 */
const MAX_STREAMS = 4;
const EXTRA_POLL_MS = 500;
const STATS_MS = 2000;
const RETRY_MS = 1500;

class CameraView {
  readonly root: HTMLElement;
  private readonly img: HTMLImageElement;
  private readonly stats: HTMLElement;
  private pollTimer: number | undefined;
  private retryTimer: number | undefined;
  private mode: 'mjpeg' | 'poll';
  private readonly pollMs: number;
  private running = false;

  constructor(
    readonly camera: CameraInfo,
    stream: boolean,
  ) {
    this.mode = stream ? 'mjpeg' : 'poll';
    this.pollMs = stream ? POLL_MS : EXTRA_POLL_MS;
    const base = `/api/cameras/${encodeURIComponent(camera.id)}`;
    this.img = h('img', { alt: `Camera ${camera.id}, live`, class: 'live-frame', 'data-camera': camera.id });
    this.img.addEventListener('error', () => this.onError());
    this.stats = h('span', { class: 'stats' });
    const enroll = h('button', { type: 'button' }, 'Enroll this face');
    enroll.setAttribute('aria-label', `Enroll the face in camera ${camera.id}`);
    enroll.addEventListener('click', async () => {
      const choice = await askWhoThisIs(`Enroll the largest face in camera ${camera.id}`, `${base}/frame.jpg?t=${Date.now()}`);
      if (choice) await enrollAndReport(choice, (c) => api.enrollFromCamera(camera.id, c.name, c.personId));
    });
    this.root = h('figure', { class: 'camera' }, this.img, h('figcaption', {}, h('strong', {}, camera.id), ' ', this.stats, ' ', enroll));
    this.update(camera);
  }

  private get base(): string {
    return `/api/cameras/${encodeURIComponent(this.camera.id)}`;
  }

  update(camera: CameraInfo): void {
    const fps = camera.fps === null || camera.fps === undefined ? '–' : camera.fps.toFixed(1);
    const latency = camera.latencyMs === null || camera.latencyMs === undefined ? '–' : `${Math.round(camera.latencyMs)} ms`;
    this.stats.textContent = `${camera.state} · ${fps} fps · ${latency}`;
  }

  start(): void {
    this.running = true;
    if (this.mode === 'mjpeg') this.img.src = `${this.base}/live?t=${Date.now()}`;
    else this.poll();
  }

  /** Setting src to '' aborts the MJPEG request: the server sees the client leave. */
  stop(): void {
    this.running = false;
    clearTimeout(this.pollTimer);
    clearTimeout(this.retryTimer);
    this.img.removeAttribute('src');
  }

  private poll(): void {
    if (!this.running) return;
    const next = new Image();
    next.onload = () => {
      if (!this.running) return;
      this.img.src = next.src;
      this.pollTimer = window.setTimeout(() => this.poll(), this.pollMs);
    };
    next.onerror = () => {
      if (this.running) this.retryTimer = window.setTimeout(() => this.poll(), RETRY_MS);
    };
    next.src = `${this.base}/frame.jpg?t=${Date.now()}`;
  }

  private onError(): void {
    if (!this.running) return;
    if (this.mode === 'mjpeg') {
      // No frame yet, a proxy that buffers multipart, or an old browser: poll single frames.
      this.mode = 'poll';
      this.retryTimer = window.setTimeout(() => this.poll(), RETRY_MS);
    }
  }
}

export function mountLive(main: HTMLElement): () => void {
  const grid = h('div', { class: 'cameras' });
  main.append(h('h1', {}, 'Live'), grid);
  const views = new Map<string, CameraView>();
  let statsTimer: number | undefined;
  let left = false;

  const refresh = async () => {
    try {
      const cameras = await api.cameras();
      if (left) return;
      for (const camera of cameras) {
        let view = views.get(camera.id);
        if (!view) {
          view = new CameraView(camera, views.size < MAX_STREAMS);
          views.set(camera.id, view);
          grid.append(view.root);
          if (!document.hidden) view.start();
        }
        view.update(camera);
      }
      if (cameras.length === 0) grid.replaceChildren(h('p', {}, 'No camera is configured or enabled.'));
    } catch (error) {
      notify(`Could not list the cameras: ${describeError(error)}`, 'error');
    }
    if (!left) statsTimer = window.setTimeout(refresh, STATS_MS);
  };

  const onVisibility = () => {
    for (const view of views.values()) (document.hidden ? view.stop() : view.start());
  };
  document.addEventListener('visibilitychange', onVisibility);
  void refresh();
  return () => {
    left = true;
    clearTimeout(statsTimer);
    document.removeEventListener('visibilitychange', onVisibility);
    for (const view of views.values()) view.stop();
  };
}
