/**
 * Face boxes and labels drawn by the browser over a frame (SVG in the frame's own pixels, so
 * it scales with the image): any script in a name shows as typed, and the colour says the
 * state (known, unknown, still deciding). The JPEG itself carries no drawing.
 */
import type { Box } from './api.ts';

const SVG = 'http://www.w3.org/2000/svg';
export type FaceState = 'known' | 'unknown' | 'deciding' | 'pick';

export interface DrawnFace {
  readonly box: Box;
  readonly label: string;
  readonly state: FaceState;
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** An image with an SVG layer on top; draw() replaces the boxes. */
export class FrameView {
  readonly root: HTMLElement;
  readonly img: HTMLImageElement;
  readonly layer: SVGSVGElement;

  constructor(alt: string, attrs: Record<string, string> = {}) {
    this.img = document.createElement('img');
    this.img.alt = alt;
    this.img.className = 'live-frame';
    for (const [k, v] of Object.entries(attrs)) this.img.setAttribute(k, v);
    this.layer = svg('svg', { class: 'faces', 'aria-hidden': 'true', preserveAspectRatio: 'xMidYMid meet' });
    this.root = document.createElement('div');
    this.root.className = 'frame-wrap';
    this.root.append(this.img, this.layer);
  }

  draw(width: number, height: number, faces: readonly DrawnFace[]): void {
    this.layer.setAttribute('viewBox', `0 0 ${width} ${height}`);
    // Line and text sizes in frame pixels, so they look the same at any frame resolution.
    const stroke = Math.max(2, Math.round(width / 320));
    const fontPx = Math.max(12, Math.round(width / 40));
    const children = faces.flatMap((f) => {
      const w = f.box.x2 - f.box.x1;
      const group = svg('g', { class: `face ${f.state}`, 'data-state': f.state });
      group.append(svg('rect', { x: f.box.x1, y: f.box.y1, width: w, height: f.box.y2 - f.box.y1, 'stroke-width': stroke }));
      const above = f.box.y1 - fontPx * 1.4 >= 0;
      const y = above ? f.box.y1 - fontPx * 1.4 : f.box.y2;
      const label = svg('text', { x: f.box.x1 + stroke, y: y + fontPx * 1.05, 'font-size': fontPx, class: 'label' });
      label.textContent = f.label;
      const backdrop = svg('rect', { x: f.box.x1, y, width: Math.max(w, fontPx * 0.62 * [...f.label].length + stroke * 2), height: fontPx * 1.4, class: 'label-bg' });
      group.append(backdrop, label);
      return [group];
    });
    this.layer.replaceChildren(...children);
  }
}
