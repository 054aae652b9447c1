// Typed calls over a Backend: one method per API request.
import type { Backend } from './backend';
import { ApiError } from './backend';
import type * as T from './types';

export type Coding = { tag: string; items?: (number | string)[]; query?: string; family?: boolean; duplicates?: boolean };

export class Api {
  constructor(readonly backend: Backend) {}

  private call<R>(method: string, params?: Record<string, unknown>): Promise<R> {
    return this.backend.call<R>(method, params);
  }

  ping() { return this.call<T.Ping>('ping'); }
  status() { return this.call<T.Status>('status'); }
  summary() { return this.call<T.Summary>('summary'); }
  openMatter(dir: string) { return this.call<T.Status>('open_matter', { dir }); }
  createMatter(dir: string, name: string) { return this.call<T.Status>('create_matter', { dir, name }); }
  async errors() { return (await this.call<{ errors: T.ErrorRecord[] }>('errors')).errors; }
  ingest(paths: string[], custodian: string) { return this.call<T.IngestSummary>('ingest', { paths, custodian }); }
  progress() { return this.backend.progress(); }
  search(query: string, limit: number, offset: number, sort: T.Sort = 'relevance') {
    return this.call<T.SearchResult>('search', { query, limit, offset, sort });
  }
  item(id: number | string, hits?: string) {
    return this.call<T.ItemView>('item', hits && hits.trim() ? { id: String(id), hits } : { id: String(id) });
  }
  itemBody(id: number | string) { return this.call<T.ItemBody>('item_body', { id: String(id) }); }
  facets(query: string) { return this.call<T.Facets>('facets', { query }); }
  async tags() { return (await this.call<{ tags: T.TagCount[] }>('tags')).tags; }
  tagAdd(c: Coding) { return this.call<T.TagChange>('tag_add', codingParams(c)); }
  tagRemove(c: Coding) { return this.call<T.TagChange>('tag_remove', codingParams(c)); }
  noteAdd(item: number | string, text: string) { return this.call<T.Note>('note_add', { item: String(item), text }); }
  async notes(item: number | string) { return (await this.call<{ notes: T.Note[] }>('notes', { item: String(item) })).notes; }
  saveSearch(name: string, query: string) { return this.call<T.SavedSearch>('save_search', { name, query }); }
  async savedSearches() { return (await this.call<{ saved_searches: T.SavedSearch[] }>('saved_searches')).saved_searches; }
  deleteSavedSearch(name: string) { return this.call<{ removed: string }>('delete_saved_search', { name }); }
  verify() { return this.call<T.VerifyReport>('verify'); }
  async audit(limit = 200) { return (await this.call<{ entries: T.AuditEntry[] }>('audit', { limit })).entries; }
  // Redaction is built elsewhere in parallel: callers treat `unknown_method` as "not yet".
  async redactAdd(item: number, start: number, end: number, reason: string) {
    return (await this.call<{ redaction: T.Redaction }>('redact_add', { item: String(item), start, end, reason })).redaction;
  }
  async redactions(item: number) {
    return (await this.call<{ redactions: T.Redaction[] }>('redactions', { item: String(item) })).redactions;
  }
  /** The item's text with its redactions applied (built in Rust; never redacted in the UI). */
  async redactedText(item: number) {
    return (await this.call<{ text: string }>('redacted_text', { item: String(item) })).text;
  }
}

function codingParams(c: Coding): Record<string, unknown> {
  const p: Record<string, unknown> = { tag: c.tag, family: !!c.family, duplicates: !!c.duplicates };
  if (c.query !== undefined) p.query = c.query;
  else p.items = (c.items ?? []).map(String);
  return p;
}

export function isUnavailable(e: unknown): boolean {
  return e instanceof ApiError && e.code === 'unknown_method';
}
