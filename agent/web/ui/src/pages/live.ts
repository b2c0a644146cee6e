/**
 * Live: each camera's latest frame with its faces drawn by the browser (overlay.ts) from the
 * JSON beside the JPEG (GET /api/cameras/:id/live.json), polled while the page is visible: the
 * agent encodes nothing once the page is left or hidden. An offline camera, or a device that
 * stopped answering, greys its tile and says since when.
 */
import { api, DeviceDownError, isDown, lastContactAt, onConnection, type CameraInfo, type CameraSettings, type LiveFrame } from '../api.ts';
import { enrollFrozen } from '../enroll-dialog.ts';
import { h } from '../dom.ts';
import { FrameView } from '../overlay.ts';
import { drawLiveMasks, editMasks, liveMaskLayer } from '../mask-editor.ts';

/** The first cameras poll at 5 frames/s, the others more slowly, so a device with many cameras is not asked for all of them at full rate. */
const POLL_MS = 200;
const FAST_CAMERAS = 4;
const EXTRA_POLL_MS = 500;
const STATS_MS = 2000;
const RETRY_MS = 1500;

const label = (f: LiveFrame['faces'][number]): string => (f.state === 'known' ? (f.name ?? 'Known') : f.state === 'unknown' ? 'Unknown' : '…');
const clock = (t: number) => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

class CameraView {
  readonly root: HTMLElement;
  private readonly view: FrameView;
  private readonly stats: HTMLElement;
  private readonly banner: HTMLElement;
  private timer: number | undefined;
  private running = false;
  private lastFrameAt = 0;
  private state = 'unknown';
  /** The camera's masks, drawn under the boxes so the user sees where no face is looked for. */
  private readonly masksLayer = liveMaskLayer();
  private masks: CameraSettings['masks'] = [];

  constructor(
    readonly camera: CameraInfo,
    private readonly pollMs: number,
  ) {
    this.view = new FrameView(`Camera ${camera.id}, live`, { 'data-camera': camera.id });
    this.stats = h('span', { class: 'stats' });
    this.banner = h('p', { class: 'tile-banner', hidden: true });
    this.view.root.append(this.banner);
    const enroll = h('button', { type: 'button' }, 'Enroll this face');
    enroll.setAttribute('aria-label', `Enroll the face in camera ${camera.id}`);
    // The frame is frozen at this click: what is enrolled is what was on screen now.
    enroll.addEventListener('click', () => void enrollFrozen(`Enroll a face from camera ${camera.id}`, () => api.freezeCamera(camera.id)));
    this.view.img.after(this.masksLayer);
    void api.cameraSettings(camera.id).then((s) => (this.masks = s.masks), () => {});
    const masks = h('button', { type: 'button', 'aria-label': `Masks and smallest face of camera ${camera.id}`, onclick: () => void editMasks(camera.id, (s) => (this.masks = s.masks)) }, 'Masks');
    this.root = h('figure', { class: 'camera', 'data-camera': camera.id }, this.view.root, h('figcaption', {}, h('strong', {}, camera.id), ' ', this.stats, ' ', enroll, ' ', masks));
    this.update(camera);
  }

  update(camera: CameraInfo): void {
    this.state = camera.state;
    const fps = camera.fps === null || camera.fps === undefined ? '–' : camera.fps.toFixed(1);
    const latency = camera.latencyMs === null || camera.latencyMs === undefined ? '–' : `${Math.round(camera.latencyMs)} ms`;
    this.stats.textContent = camera.state === 'online' ? `online · ${fps} fps · ${latency}` : camera.state;
    this.showBanner();
  }

  /** Greyed with a reason: the device is unreachable, or this camera is not delivering. */
  showBanner(): void {
    const since = this.lastFrameAt ? ` since ${clock(this.lastFrameAt)}` : '';
    let text = '';
    if (isDown()) text = `No connection since ${clock(this.lastFrameAt || lastContactAt())}`;
    else if (this.state === 'offline' || this.state === 'stopped') text = `Camera ${this.state}${since}; the agent keeps retrying`;
    this.banner.textContent = text;
    this.banner.hidden = text === '';
    this.root.classList.toggle('stale', text !== '');
    if (isDown()) this.stats.textContent = 'no connection';
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.poll();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
  }

  private async poll(): Promise<void> {
    if (!this.running) return;
    let waitMs = this.pollMs;
    try {
      const frame = await api.liveFrame(this.camera.id);
      if (!this.running) return;
      await this.show(frame);
      this.lastFrameAt = Date.now();
    } catch (error) {
      waitMs = RETRY_MS; // no frame yet, camera offline, or the device is down
      if (error instanceof DeviceDownError) this.showBanner();
    }
    if (this.running) this.timer = window.setTimeout(() => void this.poll(), waitMs);
  }

  /** Boxes are redrawn once the new image has decoded, so they never sit on the previous frame. */
  private show(frame: LiveFrame): Promise<void> {
    return new Promise((resolve) => {
      const img = this.view.img;
      const done = () => {
        drawLiveMasks(this.masksLayer, this.masks, frame.width, frame.height);
        this.view.draw(frame.width, frame.height, frame.faces.map((f) => ({ box: f.box, label: label(f), state: f.state })));
        this.view.root.dataset.ts = frame.ts;
        resolve();
      };
      img.onload = done;
      img.onerror = () => resolve();
      img.src = `data:image/jpeg;base64,${frame.jpeg}`;
    });
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
          view = new CameraView(camera, views.size < FAST_CAMERAS ? POLL_MS : EXTRA_POLL_MS);
          views.set(camera.id, view);
          grid.append(view.root);
          if (!document.hidden) view.start();
        }
        view.update(camera);
      }
      grid.classList.toggle('single', cameras.length === 1);
      if (cameras.length === 0) grid.replaceChildren(h('p', {}, 'No camera is configured or enabled.'));
    } catch {
      // The banner (main.ts) says the device is down; each tile says since when.
      for (const view of views.values()) view.showBanner();
    }
    if (!left) statsTimer = window.setTimeout(refresh, STATS_MS);
  };

  const offConnection = onConnection(() => {
    for (const view of views.values()) view.showBanner();
  });
  const onVisibility = () => {
    for (const view of views.values()) (document.hidden ? view.stop() : view.start());
  };
  document.addEventListener('visibilitychange', onVisibility);
  void refresh();
  return () => {
    left = true;
    clearTimeout(statsTimer);
    offConnection();
    document.removeEventListener('visibilitychange', onVisibility);
    for (const view of views.values()) view.stop();
  };
}
