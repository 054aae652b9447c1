import { describe, expect, it, vi } from 'vitest';
import { ApiError, HttpBackend, TauriBackend } from '../api/backend';
import { Api, isUnavailable } from '../api/client';

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

describe('HttpBackend', () => {
  it('posts {method, params} with the token header', async () => {
    const fetch = vi.fn(async () => jsonResponse(200, { ok: true, version: '0.1.0' }));
    const b = new HttpBackend('tok123', 'http://127.0.0.1:9', fetch as unknown as typeof globalThis.fetch);
    const v = await b.call('ping');
    expect(v).toEqual({ ok: true, version: '0.1.0' });
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('http://127.0.0.1:9/api/rpc');
    expect(init.method).toBe('POST');
    expect((init.headers as Record<string, string>)['x-exhibit-token']).toBe('tok123');
    expect(JSON.parse(init.body as string)).toEqual({ method: 'ping', params: {} });
  });

  it('turns {code, message} answers into ApiErrors', async () => {
    const fetch = vi.fn(async () => jsonResponse(422, { code: 'bad_query', message: 'the search query is not valid: at character 7: x' }));
    const b = new HttpBackend('t', '', fetch as unknown as typeof globalThis.fetch);
    await expect(b.call('search', { query: 'a AND (' })).rejects.toMatchObject({ code: 'bad_query' });
  });

  it('reports a dead server as a transport error', async () => {
    const fetch = vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    });
    const b = new HttpBackend('t', '', fetch as unknown as typeof globalThis.fetch);
    const e = (await b.call('ping').catch((e: unknown) => e)) as ApiError;
    expect(e).toBeInstanceOf(ApiError);
    expect(e.code).toBe('transport');
  });

  it('takes the token from the fragment into memory only, and clears it from the address bar', async () => {
    sessionStorage.clear();
    localStorage.clear();
    const replaceState = vi.fn();
    const b = HttpBackend.fromLocation({ href: 'http://127.0.0.1:5/#token=abc&view=2' } as Location, { replaceState });
    expect(replaceState).toHaveBeenCalledWith(null, '', '/#view=2');
    expect(sessionStorage.length + localStorage.length).toBe(0);
    const fetch = vi.fn(async () => jsonResponse(200, {}));
    (b as unknown as { fetchImpl: unknown }).fetchImpl = fetch;
    await b.call('status');
    const init = (fetch.mock.calls[0] as unknown as [string, RequestInit])[1];
    expect((init.headers as Record<string, string>)['x-exhibit-token']).toBe('abc');
    expect(init.credentials).toBe('omit');
    // A query-string token (which a server would see) is not taken, and a tab without one says
    // how to get in, without asking the server.
    const bare = HttpBackend.fromLocation({ href: 'http://127.0.0.1:5/?token=abc' } as Location, { replaceState });
    const never = vi.fn();
    (bare as unknown as { fetchImpl: unknown }).fetchImpl = never;
    await expect(bare.call('status')).rejects.toMatchObject({ code: 'no_token', message: expect.stringMatching(/#token=/) });
    expect(never).not.toHaveBeenCalled();
  });

  it('asks for capability URLs for page images and originals', async () => {
    const fetch = vi.fn(async () => jsonResponse(200, { id: 4, pages: '99.ab', original: '99.cd', expires_ms: 99000 }));
    const b = new HttpBackend('tok', '', fetch as unknown as typeof globalThis.fetch);
    const u = await b.itemUrls(4);
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/grant');
    expect(JSON.parse(init.body as string)).toEqual({ id: 4 });
    expect(u.page(2)).toBe('/api/item/4/page/2?scale=1.5&c=99.ab');
    expect(u.original).toBe('/api/item/4/original?c=99.cd');
    expect(u.expires).toBe(99000);
    expect(u.page(2) + u.original).not.toContain('tok');
  });
});

describe('TauriBackend', () => {
  it('invokes the single rpc command', async () => {
    const invoke = vi.fn(async () => ({ total: 3 }));
    const b = new TauriBackend(invoke, (p, proto) => `${proto}://localhost/${encodeURIComponent(p)}`);
    expect(await b.call('search', { query: 'gas' })).toEqual({ total: 3 });
    expect(invoke).toHaveBeenCalledWith('rpc', { request: { method: 'search', params: { query: 'gas' } } });
    expect(b.pageUrl(7, 0)).toBe('exhibit://localhost/item%2F7%2Fpage%2F0?scale=1.5');
    expect((await b.itemUrls(7)).page(0)).toBe('exhibit://localhost/item%2F7%2Fpage%2F0?scale=1.5');
  });

  it('passes the shell error {code, message} through', async () => {
    const b = new TauriBackend(async () => {
      throw { code: 'unknown_method', message: 'unknown method: redact_add' };
    }, (p) => p);
    const api = new Api(b);
    const e = await api.call('redact_add', { item: '1', start: 0, end: 4, reason: 'PII' }).catch((e) => e);
    expect(isUnavailable(e)).toBe(true);
  });

  it('reads progress from the events the shell pushes, asking over rpc only before the first', async () => {
    const idle = { running: false, method: null, progress: null };
    const invoke = vi.fn(async () => idle);
    let push: ((e: { payload: unknown }) => void) | null = null;
    const listen = vi.fn(async (event: string, handler: (e: { payload: unknown }) => void) => {
      expect(event).toBe('exhibit:progress');
      push = handler;
      return () => {};
    });
    const b = new TauriBackend(invoke, (p) => p, listen as never);
    expect(await b.progress()).toEqual(idle);
    expect(invoke).toHaveBeenCalledTimes(1);
    const running = { running: true, method: 'ingest', progress: { files_done: 3 } };
    push!({ payload: running });
    expect(await b.progress()).toEqual(running);
    expect(await b.progress()).toEqual(running);
    expect(invoke).toHaveBeenCalledTimes(1);
    expect(listen).toHaveBeenCalledTimes(1);
    // A new ingest starts from nothing, not from the last one's numbers.
    await b.call('ingest', { paths: ['/x'], custodian: 'c' });
    expect(await b.progress()).toEqual(idle);
  });
});

describe('Api', () => {
  it('shapes requests the way the Rust API decodes them', async () => {
    const calls: [string, unknown][] = [];
    const api = new Api({
      kind: 'http',
      call: async (m: string, p?: unknown) => {
        calls.push([m, p]);
        return m === 'tags' ? { tags: [{ name: 'Hot', count: 1, builtin: true }] } : {};
      },
      progress: async () => ({ running: false, method: null, progress: null }),
      itemUrls: async () => ({ page: () => '', original: '', expires: Infinity }),
    } as never);
    await api.tagAdd({ tag: 'Hot', items: [3, 4] });
    await api.tagAdd({ tag: 'Hot', query: 'gas' });
    await api.item(5, 'gas');
    await api.item(5, '  ');
    expect((await api.call('tags')).tags).toHaveLength(1);
    expect(calls).toEqual([
      ['tag_add', { tag: 'Hot', family: false, duplicates: false, items: ['3', '4'] }],
      ['tag_add', { tag: 'Hot', family: false, duplicates: false, query: 'gas' }],
      ['item', { id: '5', hits: 'gas' }],
      ['item', { id: '5' }],
      ['tags', undefined],
    ]);
  });
});
