/**
 * Live -> "Masks": draw polygons on the camera's current frame (click to add a point, "Close
 * shape" to finish one), list and delete them, set the smallest face kept, and save. The agent
 * fills masked areas with grey before detection, so a painting or a TV inside one never yields
 * a face or an event (POST /api/cameras/:id/settings; applied from the next frame).
 * Points are fractions of the frame (0..1), as the agent stores them.
 */
import { api, describeError, type CameraSettings, type MaskPoint } from './api.ts';
import { field, h, notify } from './dom.ts';

const SVG = 'http://www.w3.org/2000/svg';

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

/** The Live tile's read-only view of a camera's masks, under the face boxes. */
export function liveMaskLayer(): SVGSVGElement {
  return svg('svg', { class: 'live-masks', 'aria-hidden': 'true', preserveAspectRatio: 'xMidYMid meet' });
}

export function drawLiveMasks(layer: SVGSVGElement, masks: CameraSettings['masks'], width: number, height: number): void {
  layer.setAttribute('viewBox', `0 0 ${width} ${height}`);
  layer.replaceChildren(...masks.map((m) => svg('polygon', { points: m.points.map((p) => `${p[0] * width},${p[1] * height}`).join(' '), class: 'mask' })));
}

/** Opens the editor; `saved` gets the settings once they are saved. */
export async function editMasks(camera: string, saved?: (settings: CameraSettings) => void): Promise<void> {
  let settings: CameraSettings;
  let frame: { width: number; height: number; jpeg: string };
  try {
    [settings, frame] = await Promise.all([api.cameraSettings(camera), api.liveFrame(camera)]);
  } catch (error) {
    notify(`Could not open the masks of ${camera}: ${describeError(error)}`, 'error');
    return;
  }
  const masks = settings.masks.map((m) => ({ ...m, points: m.points.map((p) => [p[0], p[1]] as MaskPoint) }));
  let drawing: MaskPoint[] = [];
  const { width, height } = frame;

  const img = h('img', { src: `data:image/jpeg;base64,${frame.jpeg}`, alt: `Camera ${camera}, current frame`, class: 'live-frame' });
  const layer = svg('svg', { class: 'mask-layer', viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: 'xMidYMid meet', 'data-camera': camera });
  const wrap = h('div', { class: 'frame-wrap mask-wrap' }, img);
  wrap.append(layer);
  const list = h('ul', { class: 'mask-list' });
  const minFace = h('input', { type: 'number', min: 0, max: 4096, step: 1, value: settings.minFacePx, name: 'minFacePx', inputmode: 'numeric' });
  const hint = h('p', { class: 'muted hint' });
  const closeShape = h('button', { type: 'button' }, 'Close shape');
  const undo = h('button', { type: 'button' }, 'Undo point');
  const save = h('button', { type: 'button', class: 'primary' }, 'Save');
  const cancel = h('button', { type: 'button' }, 'Close');

  const toPx = (p: MaskPoint) => `${p[0] * width},${p[1] * height}`;
  const render = () => {
    const shapes: SVGElement[] = masks.map((m, i) => svg('polygon', { points: m.points.map(toPx).join(' '), class: 'mask', 'data-mask': i }));
    if (drawing.length > 0) {
      shapes.push(svg('polyline', { points: drawing.map(toPx).join(' '), class: 'drawing' }));
      const r = Math.max(3, width / 200);
      for (const p of drawing) shapes.push(svg('circle', { cx: p[0] * width, cy: p[1] * height, r, class: 'vertex' }));
    }
    layer.replaceChildren(...shapes);
    list.replaceChildren(
      ...masks.map((m, i) =>
        h('li', {}, h('span', {}, m.name ?? `Mask ${i + 1}`, ` (${m.points.length} points)`), h('button', { type: 'button', 'aria-label': `Delete ${m.name ?? `mask ${i + 1}`}`, onclick: () => (masks.splice(i, 1), render()) }, 'Delete')),
      ),
    );
    if (masks.length === 0) list.append(h('li', { class: 'muted' }, 'No mask yet.'));
    closeShape.disabled = drawing.length < 3;
    undo.disabled = drawing.length === 0;
    hint.textContent = drawing.length === 0 ? 'Click on the frame to start a shape around the area to ignore.' : `${drawing.length} point${drawing.length === 1 ? '' : 's'}: keep clicking, then "Close shape".`;
  };

  layer.addEventListener('click', (event) => {
    // The SVG scales the frame to fit (letterboxed): map the click back into frame pixels.
    const m = layer.getScreenCTM();
    if (!m) return;
    const p = new DOMPoint(event.clientX, event.clientY).matrixTransform(m.inverse());
    drawing.push([Math.round(clamp01(p.x / width) * 10000) / 10000, Math.round(clamp01(p.y / height) * 10000) / 10000]);
    render();
  });
  closeShape.addEventListener('click', () => {
    if (drawing.length < 3) return;
    masks.push({ name: `Mask ${masks.length + 1}`, points: drawing });
    drawing = [];
    render();
  });
  undo.addEventListener('click', () => (drawing.pop(), render()));

  const dialog = h(
    'dialog',
    { 'aria-label': `Masks of camera ${camera}`, class: 'wide masks' },
    h('h2', {}, `Masks of camera ${camera}`),
    h('p', {}, 'Faces inside a mask are never detected: use it for a painting, a poster or a TV that keeps being taken for a face.'),
    wrap,
    hint,
    h('div', { class: 'actions left' }, closeShape, undo),
    list,
    field('Ignore faces narrower than (px, 0: none)', minFace),
    h('div', { class: 'actions' }, cancel, save),
  );
  document.body.append(dialog);
  cancel.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => dialog.remove());
  save.addEventListener('click', async () => {
    const minFacePx = Math.max(0, Math.round(Number(minFace.value) || 0));
    save.disabled = true;
    try {
      const result = await api.saveCameraSettings(camera, { masks, minFacePx });
      notify(`Saved for ${camera}: ${result.masks.length} mask${result.masks.length === 1 ? '' : 's'}${result.minFacePx > 0 ? `, faces under ${result.minFacePx} px ignored` : ''}.`);
      saved?.(result);
      dialog.close();
    } catch (error) {
      notify(`Could not save the masks: ${describeError(error)}`, 'error');
    } finally {
      save.disabled = false;
    }
  });
  render();
  dialog.showModal();
}
