// The one seam between the UI and Rust. Screens talk to `Api` (client.ts), which talks to a
// `Backend`: the desktop shell's `rpc` command, or `exhibit serve` over HTTP. Both carry the
// same `{method, params}` requests and `{code, message}` errors.
import type { ApiErrorDto, ErrorCode, ProgressState } from './types';
import { checkLink } from '../lib/links';
import { LONG_METHODS } from './generated/flags';

/** What a native picker can be asked for (see src-tauri/src/paths.rs). */
export type PickKind = 'files' | 'folders' | 'matter';

/** A path that was offered (picked or dropped) but cannot be used, and why. */
export interface RejectedPath {
  path: string;
  reason: string;
}

/** Paths chosen in a native dialog; both lists empty when the dialog was closed. */
export interface Picked {
  paths: string[];
  rejected: RejectedPath[];
}

/** Something dragged over the window (`over`/`leave`), or dropped with its paths (`drop`). */
export interface DropEvent extends Picked {
  kind: 'over' | 'leave' | 'drop';
}

/** The codes an error can carry: the API's (generated from Rust's `ErrorCode`), and the UI's own
 * for a transport that failed or a browser that cannot do what was asked. */
export type ClientErrorCode = ErrorCode | 'transport' | 'not_in_browser';

export class ApiError extends Error {
  readonly code: ClientErrorCode;
  constructor(code: ClientErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = 'ApiError';
  }
  static from(e: unknown): ApiError {
    if (e instanceof ApiError) return e;
    if (e && typeof e === 'object' && 'code' in e && 'message' in e) {
      const d = e as ApiErrorDto;
      return new ApiError(String(d.code) as ClientErrorCode, String(d.message));
    }
    return new ApiError('transport', e instanceof Error ? e.message : String(e));
  }
}

/**
 * Where one item's bytes load from, for an `<img>` or a download link (which cannot send the
 * token): over HTTP, capability URLs that open this item only and expire at `expires`.
 */
export interface ItemUrls {
  /** A rendered PDF page (0-based), served with a sandbox CSP. */
  page(page: number, scale?: number): string;
  /** The original bytes (always a download). */
  original: string;
  /** When these URLs stop working (ms since the epoch); ask again before then. Infinity: never. */
  expires: number;
}

export interface Backend {
  readonly kind: 'tauri' | 'http';
  /** One request; rejects with an `ApiError`. */
  call<T = unknown>(method: string, params?: Record<string, unknown>): Promise<T>;
  /** The state of the long request in flight (ingest), if any. */
  progress(): Promise<ProgressState>;
  /** URLs of an item's page images and original (see `ItemUrls`). */
  itemUrls(id: number): Promise<ItemUrls>;
  /** Whether paths can come from native pickers and drops (the desktop shell only). */
  readonly nativePaths: boolean;
  /** A native file/folder dialog; rejects with `not_in_browser` where there is none. */
  pickPaths(kind: PickKind): Promise<Picked>;
  /** Files and folders dropped onto the window, with real paths. Returns the unsubscribe. */
  onDrop(handler: (e: DropEvent) => void): Promise<() => void>;
  /** Opens an http(s)/mailto link outside the app. Call only after the user confirmed it. */
  openExternal(url: string): Promise<void>;
  /**
   * Opens a production's folder in the system's file manager (the desktop shell only, by the
   * production's id: the shell looks its folder up in the open matter, so the window never
   * names a path to open). Rejects with `not_in_browser` in a browser, which shows the path.
   */
  openProductionFolder(production: number): Promise<void>;
}

type Open = (url: string, target: string, features: string) => unknown;

type Fetch = typeof fetch;

/** The capabilities `POST /api/grant` answers with (src/serve.rs). */
interface Grant {
  id: number;
  pages: string;
  original: string;
  expires_ms: number;
}

/**
 * `exhibit serve`: POST /api/rpc with the per-run token in the `x-exhibit-token` header. The
 * token is kept in this object only — never in a cookie (every port of the host would receive
 * it) nor in web storage (any script of the origin could read it back).
 */
export class HttpBackend implements Backend {
  readonly kind = 'http' as const;
  constructor(
    private token: string,
    private base = '',
    private fetchImpl: Fetch = (...a) => fetch(...a),
    private openImpl: Open = (...a) => window.open(...a),
  ) {}

  /** A browser page never learns where a file lives: paths are typed (the server is local). */
  readonly nativePaths = false;

  /**
   * Takes the token from the address's fragment (`/#token=…`, which browsers never send to a
   * server) and removes it from the address bar, so it is neither shown, bookmarked nor kept in
   * the tab's history entry. A reloaded tab has no token: the printed address opens it again.
   */
  static fromLocation(loc: Location = window.location, history: Pick<History, 'replaceState'> = window.history): HttpBackend {
    const url = new URL(loc.href);
    const fragment = new URLSearchParams(url.hash.replace(/^#/, ''));
    const token = fragment.get('token') ?? '';
    if (fragment.has('token')) {
      fragment.delete('token');
      const rest = fragment.toString();
      history.replaceState(null, '', url.pathname + url.search + (rest ? `#${rest}` : ''));
    }
    return new HttpBackend(token);
  }

  private async request<T>(path: string, init: RequestInit): Promise<T> {
    if (!this.token) {
      throw new ApiError(
        'no_token',
        'This tab has no access key. Open the address `exhibit serve` printed (it ends in #token=…): the key is kept only in the tab it opened, so a reloaded or new tab needs that address again.',
      );
    }
    let resp: Response;
    try {
      resp = await this.fetchImpl(this.base + path, {
        ...init,
        // No cookie is ever needed, so none is sent.
        credentials: 'omit',
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

  /** Capability URLs from `POST /api/grant`: they open this item's pages or original only. */
  async itemUrls(id: number): Promise<ItemUrls> {
    const g = await this.request<Grant>('/api/grant', { method: 'POST', body: JSON.stringify({ id }) });
    const item = `${this.base}/api/item/${g.id}`;
    const pages = encodeURIComponent(g.pages);
    return {
      page: (page, scale = 1.5) => `${item}/page/${page}?scale=${scale}&c=${pages}`,
      original: `${item}/original?c=${encodeURIComponent(g.original)}`,
      expires: g.expires_ms,
    };
  }

  async pickPaths(): Promise<Picked> {
    throw new ApiError('not_in_browser', 'A browser cannot show a file picker that gives paths: type or paste the path (the server runs on this machine).');
  }

  /** Browser drops carry no paths; the Ingest screen explains that itself. */
  async onDrop(): Promise<() => void> {
    return () => {};
  }

  async openProductionFolder(): Promise<void> {
    throw new ApiError('not_in_browser', 'A browser cannot open folders on this machine: the production is in the folder shown.');
  }

  /** A new tab with no opener and no referrer, so the page cannot reach back into the app. */
  async openExternal(url: string): Promise<void> {
    const c = checkLink(url);
    if (!c.ok) throw new ApiError('link_refused', c.reason);
    this.openImpl(c.url, '_blank', 'noopener,noreferrer');
  }
}

export type Invoke = (cmd: string, args?: Record<string, unknown>) => Promise<unknown>;
export type ConvertSrc = (path: string, protocol?: string) => string;
export type Listen = <T>(event: string, handler: (e: { payload: T }) => void) => Promise<() => void>;

/** The event the shell emits for drops (src-tauri/src/drop.rs). */
export const DROP_EVENT = 'exhibit:drop';
/** The event the shell pushes a long request's progress with (src-tauri/src/main.rs). */
export const PROGRESS_EVENT = 'exhibit:progress';

/**
 * The desktop shell: the `rpc` command, the `pick`, `open_external` and `open_production_folder` commands, the
 * `exhibit:drop` event, and the `exhibit:` protocol for item bytes.
 */
export class TauriBackend implements Backend {
  readonly kind = 'tauri' as const;
  readonly nativePaths = true;
  constructor(
    private invoke: Invoke,
    private convertSrc: ConvertSrc,
    private listen?: Listen,
  ) {}

  private async command<T>(cmd: string, args: Record<string, unknown>): Promise<T> {
    try {
      return (await this.invoke(cmd, args)) as T;
    } catch (e) {
      throw ApiError.from(e);
    }
  }

  pickPaths(kind: PickKind): Promise<Picked> {
    return this.command<Picked>('pick', { kind });
  }

  async onDrop(handler: (e: DropEvent) => void): Promise<() => void> {
    if (!this.listen) return () => {};
    return this.listen<DropEvent>(DROP_EVENT, (e) => handler(e.payload));
  }

  openExternal(url: string): Promise<void> {
    return this.command<void>('open_external', { url });
  }

  openProductionFolder(production: number): Promise<void> {
    return this.command<void>('open_production_folder', { production });
  }

  async call<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    // A new long request's progress starts over: never show the last one's final numbers.
    if ((LONG_METHODS as ReadonlySet<string>).has(method)) this.pushed = null;
    try {
      return (await this.invoke('rpc', { request: { method, params } })) as T;
    } catch (e) {
      throw ApiError.from(e);
    }
  }

  /** The last progress the shell pushed, once subscribed. */
  private pushed: ProgressState | null = null;
  private subscribed = false;

  /**
   * A long request's progress: what the shell last pushed as an `exhibit:progress` event, so
   * polling costs no IPC; asked over `rpc` until the first event arrives.
   */
  async progress(): Promise<ProgressState> {
    if (!this.subscribed && this.listen) {
      this.subscribed = true;
      await this.listen<ProgressState>(PROGRESS_EVENT, (e) => (this.pushed = e.payload));
    }
    return this.pushed ?? this.call<ProgressState>('ingest_progress');
  }

  pageUrl(id: number, page: number, scale = 1.5): string {
    return `${this.convertSrc(`item/${id}/page/${page}`, 'exhibit')}?scale=${scale}`;
  }

  originalUrl(id: number): string {
    return this.convertSrc(`item/${id}/original`, 'exhibit');
  }

  /** The `exhibit:` protocol serves only this window, so its URLs need no capability. */
  async itemUrls(id: number): Promise<ItemUrls> {
    return { page: (p, scale) => this.pageUrl(id, p, scale), original: this.originalUrl(id), expires: Infinity };
  }
}

/** The backend for where the UI runs: inside the desktop shell, or in a browser. */
export async function detectBackend(): Promise<Backend> {
  if (typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window) {
    const core = await import('@tauri-apps/api/core');
    const event = await import('@tauri-apps/api/event');
    return new TauriBackend(core.invoke as Invoke, core.convertFileSrc, event.listen as Listen);
  }
  return HttpBackend.fromLocation();
}
