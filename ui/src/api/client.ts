// Typed calls over a Backend. There is one generic `call(method, params)`: its parameter and
// answer types come from the generated `Methods` map (types.ts), so a renamed field or method
// fails the type-check at the call site. The helpers below exist only where they add behaviour
// (numbers sent as the strings the API takes, blank queries dropped, progress from pushes).
import type { Backend } from './backend';
import { ApiError } from './backend';
import type * as T from './types';

/** A coding action as screens give it: item ids may be numbers (sent as strings). */
export type Coding = Omit<T.Coding, 'items'> & { items?: (number | string)[] };

export class Api {
  constructor(readonly backend: Backend) {}

  /** One request, typed by its method: `params` and the answer as src/api/methods.rs declares them. */
  call<M extends T.Method>(method: M, ...params: T.ParamsOf<M> extends null ? [] : [T.ParamsOf<M>]): Promise<T.AnswerOf<M>> {
    return this.backend.call<T.AnswerOf<M>>(method, params[0] as Record<string, unknown> | undefined);
  }

  /** The long request's progress: pushed by the desktop shell, polled over HTTP. */
  progress() { return this.backend.progress(); }
  /** One item; a blank `hits` query asks for no hit offsets. */
  item(id: number | string, hits?: string) {
    return this.call('item', hits && hits.trim() ? { id: String(id), hits } : { id: String(id) });
  }
  /** Page sizes and page-space boxes of a query's hits (none for a blank query) and of the redactions of a PDF item. */
  pageBoxes(item: number | string, hits?: string) {
    return this.call('page_boxes', hits && hits.trim() ? { item: String(item), hits } : { item: String(item) });
  }
  /** Reads a query without running it (`check_query`): where the parser stopped and what it expected, or null. */
  async checkQuery(query: string): Promise<{ message: string; position: number | null } | null> {
    const r = await this.call('check_query', { query });
    return r.error ? { message: r.error.message, position: r.error.position } : null;
  }
  tagAdd(c: Coding) { return this.call('tag_add', codingParams(c)); }
  tagRemove(c: Coding) { return this.call('tag_remove', codingParams(c)); }
}

/** Items or a query (never both), item ids as strings. */
function codingParams(c: Coding): T.Coding {
  const p: T.Coding = { tag: c.tag, family: !!c.family, duplicates: !!c.duplicates };
  if (c.create) p.create = true;
  if (c.query !== undefined) p.query = c.query;
  else p.items = (c.items ?? []).map(String);
  return p;
}

export function isUnavailable(e: unknown): boolean {
  return e instanceof ApiError && e.code === 'unknown_method';
}
