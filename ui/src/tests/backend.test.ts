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

  it('reads the token from the URL once, then from session storage', () => {
    sessionStorage.clear();
    const b = HttpBackend.fromLocation({ href: 'http://127.0.0.1:5/?token=abc' } as Location, sessionStorage);
    expect(sessionStorage.getItem('exhibit-token')).toBe('abc');
    expect(b.pageUrl(4, 2)).toBe('/api/item/4/page/2?scale=1.5');
    const again = HttpBackend.fromLocation({ href: 'http://127.0.0.1:5/' } as Location, sessionStorage);
    const fetch = vi.fn(async () => jsonResponse(200, {}));
    (again as unknown as { fetchImpl: unknown }).fetchImpl = fetch;
    again.call('status');
    expect(((fetch.mock.calls[0] as unknown as [string, RequestInit])[1].headers as Record<string, string>)['x-exhibit-token']).toBe('abc');
  });
});

describe('TauriBackend', () => {
  it('invokes the single rpc command', async () => {
    const invoke = vi.fn(async () => ({ total: 3 }));
    const b = new TauriBackend(invoke, (p, proto) => `${proto}://localhost/${encodeURIComponent(p)}`);
    expect(await b.call('search', { query: 'gas' })).toEqual({ total: 3 });
    expect(invoke).toHaveBeenCalledWith('rpc', { request: { method: 'search', params: { query: 'gas' } } });
    expect(b.pageUrl(7, 0)).toBe('exhibit://localhost/item%2F7%2Fpage%2F0?scale=1.5');
  });

  it('passes the shell error {code, message} through', async () => {
    const b = new TauriBackend(async () => {
      throw { code: 'unknown_method', message: 'unknown method: redact_add' };
    }, (p) => p);
    const api = new Api(b);
    const e = await api.redactAdd(1, 0, 4, 'PII').catch((e) => e);
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
      pageUrl: () => '',
      originalUrl: () => '',
    } as never);
    await api.tagAdd({ tag: 'Hot', items: [3, 4] });
    await api.tagAdd({ tag: 'Hot', query: 'gas' });
    await api.item(5, 'gas');
    await api.item(5, '  ');
    expect(await api.tags()).toHaveLength(1);
    expect(calls).toEqual([
      ['tag_add', { tag: 'Hot', family: false, duplicates: false, items: ['3', '4'] }],
      ['tag_add', { tag: 'Hot', family: false, duplicates: false, query: 'gas' }],
      ['item', { id: '5', hits: 'gas' }],
      ['item', { id: '5' }],
      ['tags', undefined],
    ]);
  });
});
