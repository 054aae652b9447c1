// Overlay math for PDF page images. Boxes arrive in page space (src/redact/pages.rs): points,
// origin at the top-left of the rendered page, y down, page `width × height` points. An image
// shown `displayedWidth` CSS pixels wide therefore has `scale = displayedWidth / width` pixels
// per point, the same along both axes (the image keeps its aspect ratio).
import type { PageBox, PageFrame } from '../api/types';

export type Rect = [number, number, number, number];

/** CSS pixels per point for a page shown `displayedWidth` pixels wide. */
export function displayScale(frame: Pick<PageFrame, 'width'>, displayedWidth: number): number {
  return frame.width > 0 && displayedWidth > 0 ? displayedWidth / frame.width : 0;
}

/** A page-space rectangle as `{left, top, width, height}` in pixels at `scale`. */
export function toPixels(rect: Rect, scale: number): { left: number; top: number; width: number; height: number } {
  const [x0, y0, x1, y1] = normalize(rect);
  return { left: x0 * scale, top: y0 * scale, width: (x1 - x0) * scale, height: (y1 - y0) * scale };
}

/** Pixels (relative to the image's top-left) back to page-space points, kept on the page. */
export function toPoints(px: Rect, scale: number, frame: Pick<PageFrame, 'width' | 'height'>): Rect {
  if (scale <= 0) return [0, 0, 0, 0];
  const [a, b, c, d] = normalize(px);
  const cx = (v: number) => Math.min(Math.max(v / scale, 0), frame.width);
  const cy = (v: number) => Math.min(Math.max(v / scale, 0), frame.height);
  return [cx(a), cy(b), cx(c), cy(d)];
}

/** Corners in any order → `[x0, y0, x1, y1]` with x0 ≤ x1, y0 ≤ y1. */
export function normalize([a, b, c, d]: Rect): Rect {
  return [Math.min(a, c), Math.min(b, d), Math.max(a, c), Math.max(b, d)];
}

/** Whether a dragged rectangle is big enough to mean a box (not a stray click). */
export function isBox(rect: Rect, minPoints = 2): boolean {
  const [x0, y0, x1, y1] = normalize(rect);
  return x1 - x0 >= minPoints && y1 - y0 >= minPoints;
}

/** Moves (`dx, dy`) or, with `resize`, grows a rectangle by whole points, kept on the page. */
export function nudge(rect: Rect, dx: number, dy: number, resize: boolean, frame: Pick<PageFrame, 'width' | 'height'>): Rect {
  let [x0, y0, x1, y1] = normalize(rect);
  if (resize) {
    x1 = Math.max(x0 + 1, x1 + dx);
    y1 = Math.max(y0 + 1, y1 + dy);
  } else {
    const mx = Math.min(Math.max(dx, -x0), frame.width - x1);
    const my = Math.min(Math.max(dy, -y0), frame.height - y1);
    [x0, x1, y0, y1] = [x0 + mx, x1 + mx, y0 + my, y1 + my];
  }
  return [x0, y0, Math.min(x1, frame.width), Math.min(y1, frame.height)];
}

/** The page (1-based) holding hit `index`, from the hit boxes; null when it has no box. */
export function pageOfHit(hits: PageBox[], index: number): number | null {
  return hits.find((b) => b.hit === index)?.page ?? null;
}

/** Boxes of one page. */
export function onPage<T extends { page: number }>(boxes: T[], page: number): T[] {
  return boxes.filter((b) => b.page === page);
}
