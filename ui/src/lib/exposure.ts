// Pure helpers for the Exposure screen: showing ranges and money, narrowing a request's query
// (the what-if), telling which request a bad query belongs to, and the geometry of its charts.
// Everything here is testable without a browser (tests/exposure.test.ts).
import type { ExposureInputs, QuerySpec, Range } from '../api/types';

// ---- Figures ----

/** A whole number as the app prints counts. */
export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A low–high range: one figure when the ends agree, else `low–high`. */
export function range(r: Range, digits = 0): string {
  const f = (x: number) => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return r.low === r.high ? f(r.low) : `${f(r.low)}–${f(r.high)}`;
}

/** Review hours: tenths below ten hours (a small set must not read as no work at all). */
export function hours(r: Range): string {
  return range(r, r.high < 10 ? 1 : 0);
}

/** Money in the inputs' currency (whole units; cents only below 100). */
export function money(r: Range, currency: string): string {
  const digits = r.high < 100 ? 2 : 0;
  const f = (x: number) => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const code = currency || 'USD';
  return r.low === r.high ? `${code} ${f(r.low)}` : `${code} ${f(r.low)}–${f(r.high)}`;
}

/** A proportion (0–1) as a percentage with one decimal. */
export function percent(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

/** What a rate field holds as typed: `50` or `40-60` / `40–60`. */
export function formatRate(r: Range): string {
  return r.low === r.high ? String(r.low) : `${r.low}–${r.high}`;
}

/** Reads a rate as typed: one number, or two joined by a dash; `null` when it is neither. */
export function parseRate(text: string): Range | null {
  const t = text.trim().replace(/,/g, '');
  const m = /^(\d+(?:\.\d+)?)\s*(?:[-–—]|to)?\s*(\d+(?:\.\d+)?)?$/.exec(t);
  if (!m) return null;
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  return { low: Math.min(a, b), high: Math.max(a, b) };
}

/** A list typed one per line, or on one line separated by semicolons (commas stay: "Roe, Jane" is one name). */
export function parseList(text: string): string[] {
  const lines = text.split('\n').map((s) => s.trim()).filter(Boolean);
  const parts = lines.length > 1 ? lines : lines.flatMap((l) => l.split(';'));
  return parts.map((s) => s.trim()).filter(Boolean);
}

// ---- Narrowing (the what-if) ----

/** How a request is narrowed: a copy of its query with dates, custodians and terms added. */
export interface Narrowing {
  /** The request's query as it was when narrowing began. */
  base: string;
  /** `YYYY-MM-DD`, either may be empty. */
  from: string;
  to: string;
  custodians: string[];
  /** Extra terms in the query language, all required (`"price cap" OR tariff` is one term). */
  terms: string;
}

export function startNarrowing(query: string): Narrowing {
  return { base: query, from: '', to: '', custodians: [], terms: '' };
}

/** A value as a quoted phrase of the query language (quotes inside cannot be kept). */
export function quote(s: string): string {
  return `"${s.replace(/"/g, ' ').trim()}"`;
}

/**
 * The narrowed query: the base in parentheses, AND a date range, AND any of the custodians,
 * AND the extra terms. Nothing added gives the base back unchanged.
 */
export function narrowedQuery(n: Narrowing): string {
  const parts: string[] = [];
  const from = n.from.trim();
  const to = n.to.trim();
  if (from && to) parts.push(`date:[${from} TO ${to}]`);
  else if (from) parts.push(`date>=${from}`);
  else if (to) parts.push(`date<=${to}`);
  const who = n.custodians.filter((c) => c.trim());
  if (who.length === 1) parts.push(`custodian:${quote(who[0])}`);
  else if (who.length > 1) parts.push(`(${who.map((c) => `custodian:${quote(c)}`).join(' OR ')})`);
  if (n.terms.trim()) parts.push(`(${n.terms.trim()})`);
  if (!parts.length) return n.base;
  return [`(${n.base.trim()})`, ...parts].join(' AND ');
}

/** The inputs with request `index`'s query replaced (the what-if's inputs). */
export function withRequestQuery(inputs: ExposureInputs, index: number, query: string): ExposureInputs {
  return { ...inputs, request: inputs.request.map((r, i) => (i === index ? { ...r, query } : r)) };
}

/** A name for a new request that none of `existing` has. */
export function newRequestName(existing: QuerySpec[]): string {
  const taken = new Set(existing.map((r) => r.name.trim().toLowerCase()));
  for (let n = existing.length + 1; ; n++) {
    const name = `Request ${n}`;
    if (!taken.has(name.toLowerCase())) return name;
  }
}

// ---- Errors ----

/** A bad query's error, attributed to the request (or evidence query, or privilege screen) it names. */
export interface QueryProblem {
  kind: 'request' | 'evidence' | 'privilege screen' | null;
  name: string | null;
  /** 1-based character position in that query, when the parser gave one. */
  position: number | null;
  message: string;
}

/**
 * Reads the library's message for a query that does not parse: `request "RFP 3": at character 7: …`
 * (src/assess/exposure/inputs.rs, `check_query`). Other messages come back unattributed.
 */
export function queryProblem(message: string): QueryProblem {
  const m = /(request|evidence query|evidence|privilege screen) "((?:[^"\\]|\\.)*)"[:,]?\s*(?:at character (\d+):\s*)?(.*)$/s.exec(message);
  if (!m) return { kind: null, name: null, position: null, message };
  const kind = (m[1] === 'evidence query' ? 'evidence' : m[1]) as QueryProblem['kind'];
  return { kind, name: m[2], position: m[3] ? Number(m[3]) : null, message: m[4] || message };
}

// ---- Charts ----

/** A rounded-up axis maximum (1, 2, 5 × 10^n), never 0. */
export function niceMax(max: number): number {
  if (max <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

/** Axis ticks as fractions of `max`: the middle one only when it falls on a whole number. */
/** A row label cut to fit the charts' label column (22 characters at most). */
export function shortLabel(label: string): string {
  return label.length > 22 ? label.slice(0, 21) + '…' : label;
}

export function ticks(max: number): number[] {
  return Number.isInteger(max / 2) ? [0, 0.5, 1] : [0, 1];
}

export interface Bar {
  label: string;
  value: number;
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Plot {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Horizontal bars, one row per label, scaled to the largest value. */
export function hbars(rows: { label: string; value: number }[], width: number, rowHeight = 22, labelWidth = 150): { bars: Bar[]; plot: Plot; max: number } {
  const plot = { left: labelWidth, top: 4, width: Math.max(10, width - labelWidth - 70), height: rows.length * rowHeight };
  const max = niceMax(Math.max(0, ...rows.map((r) => r.value)));
  const bars = rows.map((r, i) => ({
    label: r.label,
    value: r.value,
    x: plot.left,
    y: plot.top + i * rowHeight + 3,
    w: (r.value / max) * plot.width,
    h: rowHeight - 6,
  }));
  return { bars, plot, max };
}

export interface Segment {
  key: string;
  value: number;
  x: number;
  w: number;
}

/** Stacked horizontal bars: each row's segments laid end to end on one shared scale. */
export function stacks(
  rows: { label: string; values: { key: string; value: number }[] }[],
  width: number,
  rowHeight = 22,
  labelWidth = 150,
): { rows: { label: string; total: number; y: number; h: number; segments: Segment[] }[]; plot: Plot; max: number } {
  const plot = { left: labelWidth, top: 4, width: Math.max(10, width - labelWidth - 70), height: rows.length * rowHeight };
  const max = niceMax(Math.max(0, ...rows.map((r) => r.values.reduce((s, v) => s + v.value, 0))));
  return {
    plot,
    max,
    rows: rows.map((r, i) => {
      let x = plot.left;
      const segments = r.values.map((v) => {
        const w = (v.value / max) * plot.width;
        const s = { key: v.key, value: v.value, x, w };
        x += w;
        return s;
      });
      return { label: r.label, total: r.values.reduce((s, v) => s + v.value, 0), y: plot.top + i * rowHeight + 3, h: rowHeight - 6, segments };
    }),
  };
}

/** Low–high ranges as floating bars from low to high on one scale (a single figure is a tick). */
export function rangeBars(rows: { label: string; range: Range }[], width: number, rowHeight = 22, labelWidth = 150) {
  const plot = { left: labelWidth, top: 4, width: Math.max(10, width - labelWidth - 130), height: rows.length * rowHeight };
  const max = niceMax(Math.max(0, ...rows.map((r) => r.range.high)));
  const at = (v: number) => plot.left + (v / max) * plot.width;
  return {
    plot,
    max,
    bars: rows.map((r, i) => ({
      label: r.label,
      range: r.range,
      x: at(r.range.low),
      w: Math.max(2, at(r.range.high) - at(r.range.low)),
      y: plot.top + i * rowHeight + 3,
      h: rowHeight - 6,
    })),
  };
}

/** Months `YYYY-MM` from the first to the last of `counts`, with the empty months filled in. */
export function fillMonths(counts: { label: string; count: number }[]): { label: string; count: number }[] {
  const dated = counts.filter((c) => /^\d{4}-\d{2}$/.test(c.label)).sort((a, b) => a.label.localeCompare(b.label));
  if (!dated.length) return [];
  const by = new Map(dated.map((c) => [c.label, c.count]));
  const [y0, m0] = dated[0].label.split('-').map(Number);
  const [y1, m1] = dated[dated.length - 1].label.split('-').map(Number);
  const out = [];
  // A matter spanning decades keeps its histogram readable: at most 240 months are drawn.
  for (let y = y0, m = m0; (y < y1 || (y === y1 && m <= m1)) && out.length < 240; m === 12 ? ((m = 1), y++) : m++) {
    const label = `${y}-${String(m).padStart(2, '0')}`;
    out.push({ label, count: by.get(label) ?? 0 });
  }
  return out;
}

/** Vertical bars for a date histogram, with at most ~8 axis labels. */
export function histogram(months: { label: string; count: number }[], width: number, height: number) {
  const plot = { left: 36, top: 8, width: Math.max(10, width - 44), height: Math.max(10, height - 30) };
  const max = niceMax(Math.max(0, ...months.map((d) => d.count)));
  const slot = months.length ? plot.width / months.length : plot.width;
  const w = Math.max(1, slot * 0.8);
  const bars = months.map((d, i) => {
    const h = (d.count / max) * plot.height;
    return { label: d.label, value: d.count, x: plot.left + i * slot + (slot - w) / 2, y: plot.top + plot.height - h, w, h };
  });
  const every = Math.max(1, Math.ceil(months.length / 8));
  const labels = months.flatMap((d, i) => (i % every === 0 ? [{ x: plot.left + i * slot + slot / 2, text: d.label }] : []));
  return { bars, labels, plot, max };
}
