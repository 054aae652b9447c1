// The one seam between the UI and Rust. Screens talk to `Api` (client.ts), which talks to a
// `Backend`: the desktop shell's `rpc` command, or `exhibit serve` over HTTP. Both carry the
// same `{method, params}` requests and `{code, message}` errors.
import type { ApiErrorDto, ProgressState } from './types';

export class ApiError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = 'ApiError';
  }
  static from(e: unknown): ApiError {
    if (e instanceof ApiError) return e;
    if (e && typeof e === 'object' && 'code' in e && 'message' in e) {
      const d = e as ApiErrorDto;
      return new ApiError(String(d.code), String(d.message));
    }
    return new ApiError('transport', e instanceof Error ? e.message : String(e));
  }
}

export interface Backend {
  readonly kind: 'tauri' | 'http';
  /** One request; rejects with an `ApiError`. */
  call<T = unknown>(method: string, params?: Record<string, unknown>): Promise<T>;
  /** The state of the long request in flight (ingest), if any. */
  progress(): Promise<ProgressState>;
  /** URL of a rendered PDF page (0-based), served with a sandbox CSP. */
  pageUrl(id: number, page: number, scale?: number): string;
  /** URL of an item's original bytes (always a download). */
  originalUrl(id: number): string;
}

type Fetch = typeof fetch;

/** `exhibit serve`: POST /api/rpc with the per-run token. */
export class HttpBackend implements Backend {
  readonly kind = 'http' as const;
  constructor(
    private token: string,
    private base = '',
    private fetchImpl: Fetch = (...a) => fetch(...a),
  ) {}

  /** Reads the token from `?token=` (then drops it from the address bar) or this tab's storage. */
  static fromLocation(loc: Location = window.location, storage: Storage = window.sessionStorage): HttpBackend {
    const url = new URL(loc.href);
    const fromUrl = url.searchParams.get('token');
    if (fromUrl) {
      storage.setItem('exhibit-token', fromUrl);
      url.searchParams.delete('token');
      try {
        window.history.replaceState(null, '', url.pathname + url.search + url.hash);
      } catch {
        /* not in a browser */
      }
    }
    return new HttpBackend(fromUrl ?? storage.getItem('exhibit-token') ?? '');
  }

  private async request<T>(path: string, init: RequestInit): Promise<T> {
    let resp: Response;
    try {
      resp = await this.fetchImpl(this.base + path, {
        ...init,
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json', 'x-exhibit-token': this.token, ...(init.headers ?? {}) },
      });
    } catch (e) {
      throw new ApiError('transport', `the Exhibit server did not answer: ${e instanceof Error ? e.message : e}`);
    }
    let body: unknown = null;
    try {
      body = await resp.json();
    } catch {
      if (resp.ok) throw new ApiError('transport', 'the server sent something that is not JSON');
    }
    if (!resp.ok) {
      if (body && typeof body === 'object' && 'code' in body) throw ApiError.from(body);
      throw new ApiError('transport', `the server answered ${resp.status}`);
    }
    return body as T;
  }

  call<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    return this.request<T>('/api/rpc', { method: 'POST', body: JSON.stringify({ method, params }) });
  }

  progress(): Promise<ProgressState> {
    return this.request<ProgressState>('/api/progress', { method: 'GET' });
  }

  pageUrl(id: number, page: number, scale = 1.5): string {
    return `${this.base}/api/item/${id}/page/${page}?scale=${scale}`;
  }

  originalUrl(id: number): string {
    return `${this.base}/api/item/${id}/original`;
  }
}

export type Invoke = (cmd: string, args?: Record<string, unknown>) => Promise<unknown>;
export type ConvertSrc = (path: string, protocol?: string) => string;

/** The desktop shell: the single `rpc` command, and the `exhibit:` protocol for item bytes. */
export class TauriBackend implements Backend {
  readonly kind = 'tauri' as const;
  constructor(
    private invoke: Invoke,
    private convertSrc: ConvertSrc,
  ) {}

  async call<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    try {
      return (await this.invoke('rpc', { request: { method, params } })) as T;
    } catch (e) {
      throw ApiError.from(e);
    }
  }

  progress(): Promise<ProgressState> {
    return this.call<ProgressState>('ingest_progress');
  }

  pageUrl(id: number, page: number, scale = 1.5): string {
    return `${this.convertSrc(`item/${id}/page/${page}`, 'exhibit')}?scale=${scale}`;
  }

  originalUrl(id: number): string {
    return this.convertSrc(`item/${id}/original`, 'exhibit');
  }
}

/** The backend for where the UI runs: inside the desktop shell, or in a browser. */
export async function detectBackend(): Promise<Backend> {
  if (typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window) {
    const core = await import('@tauri-apps/api/core');
    return new TauriBackend(core.invoke as Invoke, core.convertFileSrc);
  }
  return HttpBackend.fromLocation();
}
