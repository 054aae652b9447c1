// A fake Backend for component tests: answers the API from memory and records every call.
import type { Backend } from '../api/backend';
import { ApiError } from '../api/backend';
import type { Hit, ItemAnswer } from '../api/types';

/**
 * The desktop-only parts of a Backend, as the browser has them (no native paths); tests
 * spread this into their fakes and override what they exercise.
 */
export function shellParts(over: Partial<Pick<Backend, 'nativePaths' | 'pickPaths' | 'onDrop' | 'openExternal' | 'openProductionFolder'>> = {}) {
  return {
    nativePaths: false,
    pickPaths: async () => ({ paths: [], rejected: [] }),
    onDrop: async () => () => {},
    openExternal: async () => {},
    openProductionFolder: async () => {
      throw new ApiError('not_in_browser', 'A browser cannot open folders on this machine');
    },
    ...over,
  } as Pick<Backend, 'nativePaths' | 'pickPaths' | 'onDrop' | 'openExternal' | 'openProductionFolder'>;
}

export function fakeBackend(total = 100_000) {
  const calls: { method: string; params: Record<string, unknown> }[] = [];
  const tags = new Map<number, Set<string>>();
  const hit = (i: number): Hit => ({
    id: i + 1, control: `EXH-${String(i + 1).padStart(7, '0')}`, kind: i % 2 ? 'pdf' : 'email', title: `Document ${i + 1}`,
    date: '2001-05-01T00:00:00Z', custodians: ['Farmer, Daren'], score: 1, snippet: `about gas & power ${i + 1}`, segments: [{ text: 'about ', hit: false }, { text: 'gas', hit: true }, { text: ` & power ${i + 1}`, hit: false }], offsets: [[6, 9]],
  });
  const item = (id: number): ItemAnswer => ({
    id, control: `EXH-${String(id).padStart(7, '0')}`, kind: 'email', sha256: 'ab'.repeat(32), title: `Document ${id}`,
    text: `Subject: gas\n\nWe talked about gas prices and gas storage.`, pages: [0],
    family: { root: { id, control: 'x', kind: 'email', name: 'x', title: null }, parent: null, children: [], members: [], container: null },
    custodians: ['Farmer, Daren'], locations: [], near_dups: [], duplicates: [], problem: null, tags: [...(tags.get(id) ?? [])], redactions: [],
    metadata: { name: 'msg.eml', mime: 'message/rfc822', size: 1234, from: 'a@enron.com', to: ['b@enron.com'], cc: [], bcc: [], date: '2001-05-01', modified: null, message_id: null, in_reply_to: null, references: [], page_count: null, extractor: 'email', status: 'ok', status_reason: null, extra: {} },
    hits: [[9, 12], [29, 32], [47, 50]],
  });
  const backend: Backend = {
    kind: 'http',
    ...shellParts(),
    async call<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
      calls.push({ method, params });
      const r = (v: unknown) => v as T;
      switch (method) {
        case 'search': {
          const { offset, limit, query } = params as { offset: number; limit: number; query: string };
          if (String(query).includes('(')) throw new ApiError('bad_query', 'the search query is not valid: at character 5: expected ")"');
          const hits = [];
          for (let i = offset; i < Math.min(total, offset + limit); i++) hits.push(hit(i));
          return r({ query, total, offset, hits });
        }
        case 'item':
          if (params.redacted) {
            // The server's redacted view: every string already redacted, no spans, no hits.
            const it = item(Number(params.id));
            return r({
              ...it, title: '[REDACTED – TS] budget', text: 'Subject: [REDACTED – TS] budget\n\nWe talked about [REDACTED – PII].', hits: undefined,
              metadata: { ...it.metadata, bcc: ['[REDACTED – PII]'], extra: { 'X-Api-Key': '[REDACTED – SECRET]' } },
            });
          }
          return r(item(Number(params.id)));
        case 'item_body':
          return r({ id: Number(params.id), kind: 'email', mime: 'message/rfc822', html: null, page_count: 0 });
        case 'facets':
          return r({ total, kind: [['email', total / 2], ['pdf', total / 2]], custodian: [['Farmer, Daren', total]], tag: [], month: [['2001-05', total]], ext: [], sender_domain: [], status: [['ok', total - 3], ['error', 3]] });
        case 'tags':
          return r({ tags: ['Responsive', 'Not responsive', 'Hot'].map((name) => ({ name, count: 0, builtin: true })) });
        case 'tag_add':
        case 'tag_remove': {
          const ids = ((params.items as string[]) ?? []).map(Number);
          for (const id of ids) {
            const s = tags.get(id) ?? new Set();
            if (method === 'tag_add') s.add(String(params.tag));
            else s.delete(String(params.tag));
            tags.set(id, s);
          }
          return r({ tag: params.tag, changed: params.query ? total : ids.length, items: params.query ? total : ids.length });
        }
        case 'notes':
          return r({ notes: [] });
        case 'reasons':
          return r({ reasons: [{ code: 'AC', label: 'Privileged – attorney-client', builtin: true }, { code: 'PII', label: 'Personal data', builtin: true }] });
        case 'saved_searches':
          return r({ saved_searches: [] });
        case 'check_query': {
          // As the parser reads it: an unclosed '(' is the one mistake this fake knows.
          const q = String(params.query);
          const open = q.indexOf('(');
          return r(open >= 0 && !q.includes(')') ? { error: { position: open + 1, message: "this '(' is never closed: add a ')'" } } : {});
        }
        case 'summary':
          return r({ matter: '/m', name: 'M', items: total });
        case 'status':
          return r({ matter: '/m', name: 'M', items: total, by_kind: {}, by_status: {}, custodians: {}, errors: 0, tags: {}, productions: 0, audit_entries: 1 });
        default:
          throw new ApiError('unknown_method', `unknown method: ${method}`);
      }
    },
    async progress() {
      return { running: false, method: null, progress: null };
    },
    itemUrls: async (id) => ({ page: (p) => `/api/item/${id}/page/${p}?c=cap`, original: `/api/item/${id}/original?c=cap`, expires: Infinity }),
  };
  return { backend, calls, tags };
}
