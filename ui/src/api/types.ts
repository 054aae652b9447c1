// Hand-written mirrors of the Rust DTOs the API returns (src/api, src/matter, src/index,
// src/review, src/view). Generating these with ts-rs and checking them in CI is planned; until
// then, keep this file in step with the Rust types by hand.

/** `{code, message}`, as every transport reports an error. */
export interface ApiErrorDto {
  code: string;
  message: string;
}

/** The open matter's name and size (`summary`): cheap at any size, unlike `Status`. */
export interface Summary {
  matter: string;
  name: string;
  items: number;
}

export interface Status {
  matter: string;
  name: string;
  items: number;
  by_kind: Record<string, number>;
  by_status: Record<string, number>;
  custodians: Record<string, number>;
  errors: number;
  tags: Record<string, number>;
  productions: number;
  audit_entries: number;
}

export interface ErrorRecord {
  id: number;
  batch: number;
  item: number | null;
  control: string | null;
  path: string;
  stage: string;
  code: string;
  reason: string;
}

export interface IngestProgress {
  files_total: number;
  files_done: number;
  bytes_total: number;
  bytes_done: number;
  items_added: number;
  duplicates: number;
  errors: number;
  elapsed_ms: number;
}

export interface ProgressState {
  running: boolean;
  method: string | null;
  progress: IngestProgress | null;
}

export interface IngestSummary {
  batch: number;
  custodian: string;
  files_seen: number;
  files_skipped: number;
  items_added: number;
  duplicates: number;
  errors: number;
  items_total: number;
  bytes: number;
  elapsed_ms: number;
  cancelled: boolean;
}

export type Sort = 'relevance' | 'date';

export interface Hit {
  id: number;
  control: string;
  kind: string;
  title: string | null;
  date: string | null;
  custodians: string[];
  score: number;
  /** HTML-escaped passage, hits wrapped in `<b>…</b>`. */
  snippet: string;
  /** Character (Unicode scalar) offsets `[start, end)` of every hit in the item's text. */
  offsets: [number, number][];
}

export interface SearchResult {
  query: string;
  total: number;
  offset: number;
  hits: Hit[];
}

export type FacetList = [string, number][];

export interface Facets {
  total: number;
  kind: FacetList;
  custodian: FacetList;
  tag: FacetList;
  month: FacetList;
  ext: FacetList;
  sender_domain: FacetList;
}

export interface ItemRef {
  id: number;
  control: string;
  kind: string;
  name: string;
  title: string | null;
}

export interface Family {
  root: ItemRef;
  parent: ItemRef | null;
  children: ItemRef[];
  members: ItemRef[];
  container: ItemRef | null;
}

export interface Location {
  custodian: string;
  path: string;
  sha256: string;
  batch: number;
}

export interface Metadata {
  name: string;
  mime: string;
  size: number;
  from: string | null;
  to: string[];
  cc: string[];
  bcc: string[];
  date: string | null;
  modified: string | null;
  message_id: string | null;
  in_reply_to: string | null;
  references: string[];
  page_count: number | null;
  extractor: string;
  status: string;
  status_reason: string | null;
  extra: unknown;
}

/** A redaction (src/redact, being built in parallel: fields beyond the span are optional here). */
export interface Redaction {
  id?: number;
  item?: number;
  control?: string;
  /** Character offsets in the item's text, end exclusive. */
  start: number;
  end: number;
  reason: string;
  /** `manual`, `rule:N`, or `copy:N`. */
  source?: string;
  treatment?: 'redact' | 'pseudonymize';
  actor?: string;
  time?: string;
}

export interface ItemView {
  id: number;
  control: string;
  kind: string;
  sha256: string;
  title: string | null;
  text: string;
  /** Character offsets where each page starts. */
  pages: number[];
  family: Family;
  custodians: string[];
  locations: Location[];
  tags: string[];
  redactions: Redaction[];
  metadata: Metadata;
  /** Present when the item was requested with `hits`. */
  hits?: [number, number][];
}

export interface SafeHtml {
  html: string;
  blocked_loads: number;
  links: string[];
}

/** `item_body` (src/view): the sanitized HTML body and renderable page count. */
export interface ItemBody {
  id: number;
  kind: string;
  mime: string;
  html: SafeHtml | null;
  page_count: number;
}

export interface TagCount {
  name: string;
  count: number;
  builtin: boolean;
}

export interface TagChange {
  tag: string;
  changed: number;
  items: number;
}

export interface Note {
  id: number;
  item: number;
  actor: string;
  time: string;
  text: string;
}

export interface SavedSearch {
  name: string;
  query: string;
  actor: string;
  created: string;
}

export interface AuditEntry {
  seq: number;
  time: string;
  actor: string;
  action: string;
  payload: unknown;
  hash: string;
}

export interface VerifyProblem {
  code: string;
  detail: string;
}

export interface VerifyReport {
  ok: boolean;
  audit_entries: number;
  blobs_checked: number;
  items_checked: number;
  problems: VerifyProblem[];
}

export interface Ping {
  ok: boolean;
  version: string;
}

// ---- Model logs (src/modellogs/analyze.rs, src/modellogs/call.rs) ----

export type GroupBy = 'account' | 'key' | 'user' | 'ip';

export interface LogSignal {
  name: string;
  value: number;
  /** The threshold or population baseline the value is judged against. */
  threshold: number;
  /** How strongly this signal points at harvesting, 0..1. */
  strength: number;
  detail: string;
  /** Item ids of example calls. */
  examples: number[];
}

export interface AccountReport {
  /** The value grouped by (account, key, user or ip as logged). */
  account: string;
  calls: number;
  score: number;
  flagged: boolean;
  patterns: string[];
  signals: LogSignal[];
  benign_explanations: string[];
  /** Index into `LogsReport.clusters`, when coordinated. */
  cluster?: number;
}

export interface LogLink {
  a: string;
  b: string;
  kinds: string[];
}

export interface LogCluster {
  accounts: string[];
  reason: string;
  links: LogLink[];
}

export interface OverlapExample {
  prompt: string;
  suspect_output: string;
  logged_completion: string;
  logged_id: number;
  containment: number;
  jaccard: number;
}

export interface Overlap {
  pairs: number;
  matched: number;
  rate: number;
  ci_low: number;
  ci_high: number;
  null_rate: number;
  null_ci_high: number;
  self_identification_rate: number;
  unmatched_prompts: number;
  detail: string;
  examples: OverlapExample[];
}

export interface LogsReport {
  group_by: GroupBy;
  accounts: AccountReport[];
  clusters: LogCluster[];
  overlap: Overlap | null;
  tagged?: { tag: string; changed: number };
}

export interface CallParams {
  temperature?: number | null;
  top_p?: number | null;
  n?: number | null;
  logprobs?: boolean | null;
  top_logprobs?: number | null;
  max_tokens?: number | null;
  seed?: number | null;
  stream?: boolean | null;
  /** Parameters with no field of their own, as logged. */
  extra?: Record<string, unknown>;
}

export interface ModelCall {
  ts: string | null;
  account: string | null;
  api_key_id: string | null;
  user: string | null;
  ip: string | null;
  model: string | null;
  params: CallParams;
  system: string | null;
  messages: { role: string; content: string }[];
  completion: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  request_id?: string | null;
  conversation_id?: string | null;
  format?: string;
  source_line?: number | null;
  raw: unknown;
}

/** `item` for a model call: the item plus its call record. */
export type CallItemView = ItemView & { model_call?: ModelCall };

/** `logs_calls`: one group's calls, oldest first. */
export interface GroupCall {
  id: number;
  ts: string | null;
}
