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
