// Data shaping for the Model logs screen: the analysis report as tables, a per-day volume
// series and its chart geometry, coordinated accounts, and a call as a conversation. Pure
// functions (tested in tests/modellogs.test.ts); the screen only renders what they return.
import type { Api } from '../api/client';
import type {
  AccountReport, GroupBy, GroupCall, LogPatternKind, LogSignal, LogSignalName, LogsReport, LogsSection, LogTemplate, ModelCall, TagChange,
} from '../api/types';

// ---- API calls (the screen's only requests) ----

export function analyze(api: Api, group_by: GroupBy, tag: string | null = null) {
  return api.call('logs_analyze', { group_by, suspect_outputs: null, tag });
}

/** The exposure report's model-log section: its structure (drawn as text by ReportSection) and its Markdown (copied). */
export async function reportSection(api: Api, group_by: GroupBy): Promise<LogsSection> {
  return api.call('logs_section', { group_by, suspect_outputs: null, format: 'markdown' });
}

/** Every call of one group, oldest first (`logs_calls`, a direct lookup in the call table). */

export async function groupCalls(api: Api, group_by: GroupBy, account: string): Promise<GroupCall[]> {
  return (await api.call('logs_calls', { group_by, account })).calls;
}

export function callItem(api: Api, id: number) {
  return api.call('item', { id: String(id) });
}

/** Tags the given calls; returns how many were newly tagged. A tag the matter does not have is
 * refused unless `create` (the screen asks first). */
export function tagCalls(api: Api, tag: string, ids: number[], create = false): Promise<TagChange> {
  return api.tagAdd({ tag, items: ids, create });
}

// ---- The accounts table ----

/** Highest score first; then more calls; then by name, so the order is stable. */
export function sortAccounts(accounts: AccountReport[]): AccountReport[] {
  return [...accounts].sort((a, b) => b.score - a.score || b.calls - a.calls || a.account.localeCompare(b.account));
}

/** The signals that point at harvesting, strongest first. */
export function topSignals(a: AccountReport, n = 3): LogSignal[] {
  return a.signals
    .filter((s) => s.strength > 0)
    .sort((x, y) => y.strength - x.strength || x.name.localeCompare(y.name))
    .slice(0, n);
}

const LABELS: Record<LogSignalName, string> = {
  calls_per_day: 'Calls per day',
  output_tokens_per_day: 'Output tokens per day',
  output_input_ratio: 'Output / input tokens',
  interarrival_cv: 'Regularity of timing (CV)',
  hour_entropy: 'Spread over hours of day',
  templated_harvesting: 'Templated prompts',
  reasoning_extraction: 'Asks for reasoning',
  harvest_parameters: 'Harvesting parameters',
  topic_breadth: 'Subject areas',
  near_duplicate_prompts: 'Near-duplicate prompts',
  coordination: 'Linked accounts',
};

export function signalLabel(name: LogSignalName): string {
  return LABELS[name];
}

const SHARES: ReadonlySet<LogSignalName> = new Set(['templated_harvesting', 'reasoning_extraction', 'harvest_parameters', 'near_duplicate_prompts']);

/** A signal's value or threshold as a person reads it: shares as percentages, counts whole. */
export function formatSignalNumber(name: LogSignalName, v: number): string {
  if (name === 'interarrival_cv' && v < 0) return 'n/a';
  if (SHARES.has(name)) return `${(v * 100).toFixed(v * 100 >= 10 || v === 0 ? 0 : 1)}%`;
  if (name === 'topic_breadth' || name === 'coordination') return String(Math.round(v));
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

const PATTERNS: Record<LogPatternKind, string> = {
  bulk_harvesting: 'Bulk harvesting',
  reasoning_extraction: 'Reasoning extraction',
  coordinated_network: 'Coordinated network',
};

/** A harvesting pattern's name, as the screen shows it. */
export function patternLabel(kind: LogPatternKind): string {
  return PATTERNS[kind];
}

export function groupLabel(g: GroupBy): string {
  return { account: 'Account', key: 'API key', user: 'User', ip: 'IP address' }[g];
}

// ---- Volume per day ----

export interface DayCount {
  day: string; // YYYY-MM-DD (UTC)
  count: number;
}

/** The UTC day of a logged timestamp (RFC 3339, date-time without zone, or epoch seconds/ms). */
export function dayOf(ts: string | null | undefined): string | null {
  if (!ts) return null;
  const t = ts.trim();
  const m = /^(\d{4}-\d{2}-\d{2})/.exec(t);
  if (m && !/[+-]\d{2}:?\d{2}$/.test(t.slice(10)) ) return m[1];
  let d: Date;
  if (/^\d+(\.\d+)?$/.test(t)) {
    const n = Number(t);
    d = new Date(n > 1e12 ? n : n * 1000);
  } else d = new Date(t);
  return Number.isNaN(d.getTime()) ? null : d.toISOString().slice(0, 10);
}

/** Calls per UTC day from the first to the last day, days without calls included as 0. */
export function dailyVolume(calls: { ts: string | null }[]): { days: DayCount[]; undated: number } {
  const counts = new Map<string, number>();
  let undated = 0;
  for (const c of calls) {
    const d = dayOf(c.ts);
    if (d) counts.set(d, (counts.get(d) ?? 0) + 1);
    else undated++;
  }
  if (!counts.size) return { days: [], undated };
  const keys = [...counts.keys()].sort();
  const days: DayCount[] = [];
  const end = Date.parse(keys[keys.length - 1] + 'T00:00:00Z');
  for (let t = Date.parse(keys[0] + 'T00:00:00Z'); t <= end && days.length < 3660; t += 86_400_000) {
    const day = new Date(t).toISOString().slice(0, 10);
    days.push({ day, count: counts.get(day) ?? 0 });
  }
  return { days, undated };
}

/** A round axis maximum ≥ max (1, 2, 2.5, 5 × 10ⁿ). */
export function niceMax(max: number): number {
  if (max <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

export interface Bar {
  x: number;
  y: number;
  w: number;
  h: number;
  day: string;
  count: number;
}

export interface ChartGeometry {
  bars: Bar[];
  ticks: { y: number; value: number }[];
  labels: { x: number; text: string }[];
  plot: { left: number; top: number; width: number; height: number };
  max: number;
}

/** Bar geometry for `days` in a width × height box, with room for the axes. */
export function chartGeometry(days: DayCount[], width: number, height: number): ChartGeometry {
  const plot = { left: 44, top: 8, width: Math.max(10, width - 52), height: Math.max(10, height - 30) };
  const max = niceMax(Math.max(0, ...days.map((d) => d.count)));
  const slot = days.length ? plot.width / days.length : plot.width;
  const w = Math.max(1, slot * 0.8);
  const bars = days.map((d, i) => {
    const h = (d.count / max) * plot.height;
    return { x: plot.left + i * slot + (slot - w) / 2, y: plot.top + plot.height - h, w, h, day: d.day, count: d.count };
  });
  const ticks = [0, 0.5, 1].map((f) => ({ value: max * f, y: plot.top + plot.height - f * plot.height }));
  // At most ~10 day labels, evenly spaced.
  const every = Math.max(1, Math.ceil(days.length / 10));
  const labels = days
    .map((d, i) => ({ i, d }))
    .filter(({ i }) => i % every === 0)
    .map(({ i, d }) => ({ x: plot.left + i * slot + slot / 2, text: d.day.slice(5) }));
  return { bars, ticks, labels, plot, max };
}

// ---- Coordination ----

export interface Partner {
  account: string;
  kinds: string[];
}

/** The accounts linked to `account`, with how they are linked, and its cluster's reason. */
export function coordinatedWith(report: LogsReport, account: AccountReport): { reason: string | null; size: number; partners: Partner[] } {
  const c = account.cluster !== undefined && account.cluster !== null ? report.clusters[account.cluster] : report.clusters.find((k) => k.accounts.includes(account.account));
  if (!c) return { reason: null, size: 0, partners: [] };
  const byPartner = new Map<string, Set<string>>();
  for (const l of c.links) {
    const other = l.a === account.account ? l.b : l.b === account.account ? l.a : null;
    if (!other) continue;
    const s = byPartner.get(other) ?? new Set<string>();
    l.kinds.forEach((k) => s.add(k));
    byPartner.set(other, s);
  }
  // Members linked only through others still belong to the campaign.
  for (const a of c.accounts) if (a !== account.account && !byPartner.has(a)) byPartner.set(a, new Set());
  const partners = [...byPartner].map(([a, k]) => ({ account: a, kinds: [...k].sort() }));
  partners.sort((x, y) => y.kinds.length - x.kinds.length || x.account.localeCompare(y.account));
  return { reason: c.reason, size: c.accounts.length, partners };
}

// ---- Example prompts, grouped by template ----

/** Distinct example item ids across the signals, in signal order (for one `item` fetch each). */
export function exampleIds(a: AccountReport, names?: string[], limit = 12): number[] {
  const out: number[] = [];
  for (const s of a.signals) {
    if (names && !names.includes(s.name)) continue;
    for (const id of s.examples) if (!out.includes(id)) out.push(id);
  }
  return out.slice(0, limit);
}

/** Example ids to fetch for an account: its templates' first examples, then the signals'. */
export function accountExampleIds(a: AccountReport, limit = 40): number[] {
  const out: number[] = [];
  for (const t of a.templates ?? []) for (const id of t.examples.slice(0, 4)) if (!out.includes(id)) out.push(id);
  for (const id of exampleIds(a, undefined, limit)) if (!out.includes(id)) out.push(id);
  return out.slice(0, limit);
}

/** How a template is described next to its pattern. */
export function templateSummary(t: LogTemplate): string {
  const areas = t.subject_areas === 1 ? '1 subject area' : `${t.subject_areas} subject areas`;
  return `${t.calls.toLocaleString('en-US')} calls (${Math.round(t.share * 100)}%) ${t.part === 'start' ? 'start' : 'end'} this way · ${areas}`;
}

// ---- One call as a conversation ----

export interface Turn {
  role: 'system' | 'user' | 'assistant' | 'tool' | string;
  content: string;
  /** The logged completion (the answer this call returned), not a message in the request. */
  completion?: boolean;
}

export function conversation(c: ModelCall): Turn[] {
  const turns: Turn[] = [];
  const hasSystemMessage = c.messages.some((m) => m.role === 'system');
  if (c.system && !hasSystemMessage) turns.push({ role: 'system', content: c.system });
  for (const m of c.messages) turns.push({ role: m.role, content: m.content });
  if (c.completion) turns.push({ role: 'assistant', content: c.completion, completion: true });
  return turns;
}

/** The last user message (what the call asked). */
export function lastPrompt(c: ModelCall): string {
  for (let i = c.messages.length - 1; i >= 0; i--) if (c.messages[i].role === 'user') return c.messages[i].content;
  return c.messages[c.messages.length - 1]?.content ?? '';
}

/** Metadata rows for the call view, only those that were logged. */
export function callMeta(c: ModelCall): [string, string][] {
  const rows: [string, string | null | undefined][] = [
    ['Time', c.ts],
    ['Model', c.model],
    ['Account', c.account],
    ['API key', c.api_key_id],
    ['User', c.user],
    ['IP', c.ip],
    ['Prompt tokens', c.prompt_tokens?.toLocaleString('en-US')],
    ['Completion tokens', c.completion_tokens?.toLocaleString('en-US')],
    ['Parameters', paramsText(c.params)],
    ['Request', c.request_id],
  ];
  return rows.filter((r): r is [string, string] => r[1] !== null && r[1] !== undefined && r[1] !== '');
}

export function paramsText(p: ModelCall['params'] | null | undefined): string {
  if (!p) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(p)) {
    if (k === 'extra' || v === null || v === undefined) continue;
    parts.push(`${k}=${v}`);
  }
  for (const [k, v] of Object.entries(p.extra ?? {})) parts.push(`${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`);
  return parts.join(' · ');
}
