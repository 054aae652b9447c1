// Typed calls over a Backend: one method per API request. Parameter and answer types come from
// the generated Rust DTOs (types.ts), so a renamed field or method fails the type-check here.
import type { Backend } from './backend';
import { ApiError } from './backend';
import type * as T from './types';

/** A coding action as screens give it: item ids may be numbers (sent as strings). */
export type Coding = Omit<T.Coding, 'items'> & { items?: (number | string)[] };

export class Api {
  constructor(readonly backend: Backend) {}

  /** One request, typed by its method: `params` as `Request` declares them, the answer as `Responses` does. */
  call<M extends T.Method>(method: M, ...params: T.ParamsOf<M> extends undefined ? [] : [T.ParamsOf<M>]): Promise<T.AnswerOf<M>> {
    return this.backend.call<T.AnswerOf<M>>(method, params[0] as Record<string, unknown> | undefined);
  }

  ping() { return this.call('ping'); }
  status() { return this.call('status'); }
  /** The matter's name and item count, cheap at any size (start-up uses this, not `status`). */
  summary() { return this.call('summary'); }
  openMatter(dir: string) { return this.call('open_matter', { dir }); }
  createMatter(dir: string, name: string) { return this.call('create_matter', { dir, name }); }
  async errors() { return (await this.call('errors')).errors; }
  ingest(paths: string[], custodian: string) { return this.call('ingest', { paths, custodian }); }
  progress() { return this.backend.progress(); }
  /** Asks the running ingest to stop; answered beside the ingest, which holds the session. */
  cancelIngest() { return this.call('cancel_ingest'); }
  search(query: string, limit: number, offset: number, sort: T.Sort = 'relevance') {
    return this.call('search', { query, limit, offset, sort });
  }
  item(id: number | string, hits?: string) {
    return this.call('item', hits && hits.trim() ? { id: String(id), hits } : { id: String(id) });
  }
  /** The one redacted view of an item (built in Rust, src/redact/view.rs): text, title, every
   * header and metadata field, names and model-call fields redacted; no span or hit offsets. */
  redactedItem(id: number | string) {
    return this.call('item', { id: String(id), redacted: true });
  }
  itemBody(id: number | string) { return this.call('item_body', { id: String(id) }); }
  facets(query: string) { return this.call('facets', { query }); }
  async tags() { return (await this.call('tags')).tags; }
  tagAdd(c: Coding) { return this.call('tag_add', codingParams(c)); }
  tagRemove(c: Coding) { return this.call('tag_remove', codingParams(c)); }
  noteAdd(item: number | string, text: string) { return this.call('note_add', { item: String(item), text }); }
  async notes(item: number | string) { return (await this.call('notes', { item: String(item) })).notes; }
  saveSearch(name: string, query: string) { return this.call('save_search', { name, query }); }
  async savedSearches() { return (await this.call('saved_searches')).saved_searches; }
  deleteSavedSearch(name: string) { return this.call('delete_saved_search', { name }); }
  verify() { return this.call('verify'); }
  async audit(limit = 200) { return (await this.call('audit', { limit })).entries; }
  /** Adds a redaction; answers the new redaction's id. */
  async redactAdd(item: number, start: number, end: number, reason: string) {
    return (await this.call('redact_add', { item: String(item), start, end, reason })).redaction;
  }
  async redactions(item: number) {
    return (await this.call('redactions', { item: String(item) })).redactions;
  }
  /** Text redactions and, for one item, its region redactions (boxes drawn on pages). */
  async itemRedactions(item: number) {
    const r = await this.call('redactions', { item: String(item) });
    return { redactions: r.redactions, regions: r.regions ?? [] };
  }
  /** Page sizes and page-space boxes of a query's hits and of the redactions of a PDF item. */
  pageBoxes(item: number, hits?: string) {
    return this.call('page_boxes', hits && hits.trim() ? { item: String(item), hits } : { item: String(item) });
  }
  /** Redacts a box drawn on page `page` (1-based); `rect` in page-space points. */
  redactBox(item: number, page: number, rect: [number, number, number, number], reason: string) {
    return this.call('redact_box', { item: String(item), page, rect, reason });
  }
  async redactBoxRemove(region: number) {
    return (await this.call('redact_box_remove', { region })).removed;
  }
  /** The item's text with its redactions applied (built in Rust; never redacted in the UI). */
  async redactedText(item: number) {
    return (await this.call('redacted_text', { item: String(item) })).text;
  }
}

function codingParams(c: Coding): T.Coding {
  const p: T.Coding = { tag: c.tag, family: !!c.family, duplicates: !!c.duplicates };
  if (c.query !== undefined) p.query = c.query;
  else p.items = (c.items ?? []).map(String);
  return p;
}

export function isUnavailable(e: unknown): boolean {
  return e instanceof ApiError && e.code === 'unknown_method';
}
