import type { TextProblem } from '../api/types';

// Pure helpers for showing search results and item text safely (no {@html} anywhere).

/** Where a `bad_query` message puts the error: 1-based character position, if it says. */
export function queryErrorPosition(message: string): number | null {
  const m = /at character (\d+)/.exec(message);
  return m ? Number(m[1]) : null;
}

/**
 * Converts character (Unicode scalar) offsets, as Rust reports them, to UTF-16 indices, as JS
 * strings use. One pass over the text; sorted or not.
 */
export function charToUtf16(text: string, offsets: number[]): number[] {
  const wanted = [...new Set(offsets)].sort((a, b) => a - b);
  const map = new Map<number, number>();
  let ch = 0;
  let i = 0;
  let w = 0;
  while (w < wanted.length) {
    if (wanted[w] === ch) {
      map.set(ch, i);
      w++;
      continue;
    }
    if (i >= text.length) break;
    const c = text.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < text.length ? 2 : 1;
    ch++;
  }
  for (; w < wanted.length; w++) map.set(wanted[w], text.length);
  return offsets.map((o) => map.get(o) ?? text.length);
}

/** The inverse for one UTF-16 index: how many characters precede it. */
export function utf16ToChar(text: string, index: number): number {
  let ch = 0;
  for (let i = 0; i < index && i < text.length; ch++) {
    const c = text.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff ? 2 : 1;
  }
  return ch;
}

export interface TextPiece {
  text: string;
  /** Index of the hit this piece is, or -1. */
  hit: number;
  /** Whether the piece lies in a redaction. */
  redacted: boolean;
  /** Character offset where the piece starts (for mapping a selection back). */
  start: number;
}

/**
 * Cuts text into pieces at hit and redaction boundaries. Offsets are character offsets.
 * Overlapping hits are merged into the first.
 */
export function textPieces(text: string, hits: [number, number][], redactions: [number, number][] = []): TextPiece[] {
  const all = [...hits.flat(), ...redactions.flat()];
  const u = charToUtf16(text, all);
  const at = new Map<number, number>();
  all.forEach((c, k) => at.set(c, u[k]));
  const bounds = new Set<number>([0]);
  for (const c of all) bounds.add(c);
  const total = utf16ToChar(text, text.length);
  bounds.add(total);
  const cuts = [...bounds].filter((c) => c <= total).sort((a, b) => a - b);
  const toU = (c: number) => (c === 0 ? 0 : c === total ? text.length : (at.get(c) ?? text.length));
  const pieces: TextPiece[] = [];
  for (let k = 0; k + 1 < cuts.length; k++) {
    const [a, b] = [cuts[k], cuts[k + 1]];
    if (a === b) continue;
    const hit = hits.findIndex(([s, e]) => s <= a && b <= e);
    const redacted = redactions.some(([s, e]) => s <= a && b <= e);
    pieces.push({ text: text.slice(toU(a), toU(b)), hit, redacted, start: a });
  }
  return pieces;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

/** Seconds left at the current byte rate, or null when it cannot be told yet. */
export function etaSeconds(done: number, total: number, elapsedMs: number): number | null {
  if (done <= 0 || total <= 0 || elapsedMs <= 0 || done >= total) return null;
  return Math.round(((total - done) / done) * (elapsedMs / 1000));
}

/** What the viewer's notice says about an item whose text could not be had: a headline naming
 *  what would get the text, and the reason ingest recorded. */
export function problemNotice(problem: TextProblem, mime: string): { headline: string; detail: string } {
  const scanned = mime === 'application/pdf' || mime.startsWith('image/');
  const headline = {
    encrypted: 'Encrypted — a password is needed to read its text.',
    no_text: scanned ? 'No text layer — this needs OCR before its words can be searched.' : 'No text — the file holds no words to extract.',
    partial: 'Text incomplete — some of it could not be read.',
    damaged: 'Damaged — its text could not be read.',
    failed: 'Not read — extraction was stopped.',
  }[problem.kind];
  return { headline, detail: problem.reason };
}

/** A snippet for a one-line result row: the text before the first hit shortened to its last
 *  `max` characters (from a word, with "…"), so the hit shows in a narrow list, not past its end. */
export function leadIn<S extends { text: string; hit: boolean }>(segments: S[], max = 36): S[] {
  if (!segments.length || segments[0].hit || !segments.some((s) => s.hit)) return segments;
  const chars = Array.from(segments[0].text);
  if (chars.length <= max) return segments;
  const tail = chars.slice(chars.length - max).join('');
  const space = tail.search(/\s/);
  const cut = space >= 0 && space < tail.length - 1 ? tail.slice(space + 1) : tail;
  return [{ ...segments[0], text: `…${cut}` }, ...segments.slice(1)];
}
