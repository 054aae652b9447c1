// The desktop-shell pieces of the UI: cancelling an ingest, paths from pickers and drops, and
// links that leave the app only after a confirm dialog.
import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import Ingest from '../screens/Ingest.svelte';
import Matters from '../screens/Matters.svelte';
import SafeHtmlFrame from '../components/SafeHtmlFrame.svelte';
import { Api } from '../api/client';
import type { Backend, DropEvent } from '../api/backend';
import { ApiError, HttpBackend, TauriBackend } from '../api/backend';
import { EXTERNAL_KEY } from '../lib/external';
import { checkLink } from '../lib/links';
import { app } from '../lib/state.svelte';
import { shellParts } from './fake';

const summary = (over: Record<string, unknown> = {}) => ({
  batch: 3, custodian: 'C', files_seen: 6000, files_skipped: 0, items_added: 1200, duplicates: 0, errors: 0,
  items_total: 1200, bytes: 1, elapsed_ms: 900, cancelled: false, resumed_batches: [], ...over,
});
const status = { matter: '/m', name: 'Acme', items: 1, by_kind: {}, by_status: {}, custodians: {}, errors: 0, tags: {}, productions: 0, audit_entries: 1 };

function backend(handlers: Record<string, (p: Record<string, unknown>) => unknown>, shell: Parameters<typeof shellParts>[0] = {}) {
  const calls: string[] = [];
  const b: Backend = {
    kind: shell.nativePaths ? 'tauri' : 'http',
    ...shellParts(shell),
    async call<T>(method: string, params: Record<string, unknown> = {}) {
      calls.push(method);
      const h = handlers[method];
      if (!h) throw new ApiError('unknown_method', method);
      return (await h(params)) as T;
    },
    progress: async () => ({ running: true, method: 'ingest', progress: { kind: 'ingest', files_total: 6000, files_done: 1200, bytes_total: 10, bytes_done: 2, items_added: 1200, duplicates: 0, errors: 0, elapsed_ms: 900 } }),
    itemUrls: async () => ({ page: () => '', original: '', expires: Infinity }),
  };
  return { b, calls };
}

const value = (id: string) => (screen.getByTestId(id) as HTMLTextAreaElement).value;

describe('Cancelling an ingest', () => {
  it('asks the backend to cancel, shows the cancelled summary, and resumes on request', async () => {
    const finishers: ((v: unknown) => void)[] = [];
    const { b, calls } = backend({
      ingest: () => new Promise((r) => finishers.push(r)),
      cancel_ingest: () => ({ cancelling: true }),
      status: () => status,
      errors: () => ({ errors: [] }),
    });
    render(Ingest, { props: { api: new Api(b) } });
    const cancel = screen.getByTestId('ingest-cancel') as HTMLButtonElement;
    expect(cancel.disabled).toBe(true); // nothing to cancel yet
    await fireEvent.input(screen.getByTestId('ingest-paths'), { target: { value: '/ev' } });
    await fireEvent.click(screen.getByTestId('ingest-start'));
    await waitFor(() => expect(cancel.disabled).toBe(false));
    await fireEvent.click(cancel);
    await waitFor(() => expect(calls).toContain('cancel_ingest'));
    await waitFor(() => expect(cancel.textContent).toBe('Cancelling…'));
    expect(cancel.disabled).toBe(true);
    expect(screen.getByTestId('ingest-progress').textContent).toContain('Cancelling');
    finishers[0](summary({ cancelled: true }));
    await waitFor(() => expect(screen.getByTestId('ingest-cancelled').textContent).toContain('1,200 items committed so far stay'));
    expect(screen.getByTestId('ingest-summary').textContent).toContain('cancelled');
    await waitFor(() => expect(app.notice).toMatch(/cancelled.*resume/i));
    // Resume runs the same ingest again; the re-run skips what was committed.
    await fireEvent.click(screen.getByTestId('ingest-resume'));
    await waitFor(() => expect(finishers.length).toBe(2));
    finishers[1](summary({ files_skipped: 1200, items_added: 4800, items_total: 6000 }));
    await waitFor(() => expect(screen.queryByTestId('ingest-cancelled')).toBeNull());
    expect(screen.getByTestId('ingest-summary').textContent).toMatch(/1200 already ingested.*4800/s);
    expect(calls.filter((c) => c === 'ingest').length).toBe(2);
  });

  it('says so when there was nothing to cancel', async () => {
    let finish!: (v: unknown) => void;
    const { b } = backend({ ingest: () => new Promise((r) => (finish = r)), cancel_ingest: () => ({ cancelling: false }), status: () => status, errors: () => ({ errors: [] }) });
    render(Ingest, { props: { api: new Api(b) } });
    await fireEvent.input(screen.getByTestId('ingest-paths'), { target: { value: '/ev' } });
    await fireEvent.click(screen.getByTestId('ingest-start'));
    await fireEvent.click(screen.getByTestId('ingest-cancel'));
    await waitFor(() => expect(app.notice).toMatch(/nothing to cancel/));
    expect((screen.getByTestId('ingest-cancel') as HTMLButtonElement).textContent).toBe('Cancel');
    finish(summary());
  });
});

describe('Paths for the Ingest screen', () => {
  it('desktop: fills the list from native pickers and from drops, once each, and shows refused paths', async () => {
    let drop!: (e: DropEvent) => void;
    const pickPaths = vi.fn(async () => ({ paths: ['/ev/a', '/ev/b'], rejected: [] }));
    const { b } = backend({}, { nativePaths: true, pickPaths, onDrop: async (h) => ((drop = h), () => {}) });
    render(Ingest, { props: { api: new Api(b) } });
    expect(screen.queryByTestId('browser-paths-note')).toBeNull();
    await fireEvent.click(screen.getByTestId('pick-folders'));
    expect(pickPaths).toHaveBeenCalledWith('folders');
    await waitFor(() => expect(value('ingest-paths')).toBe('/ev/a\n/ev/b'));
    await waitFor(() => expect(screen.getByTestId('screen-ingest').dataset.dropReady).toBe('true'));
    drop({ kind: 'over', paths: [], rejected: [] });
    await waitFor(() => expect(screen.getByTestId('drop-zone')).toBeTruthy());
    drop({ kind: 'drop', paths: ['/ev/b', '/ev/c.pst'], rejected: [{ path: '/ev/gone', reason: 'it does not exist or cannot be read' }] });
    await waitFor(() => expect(value('ingest-paths')).toBe('/ev/a\n/ev/b\n/ev/c.pst'));
    expect(screen.queryByTestId('drop-zone')).toBeNull();
    expect(screen.getByTestId('rejected-paths').textContent).toContain('/ev/gone: it does not exist');
  });

  it('browser: keeps the text field, says why, and explains that a drop has no paths', async () => {
    const { b } = backend({});
    render(Ingest, { props: { api: new Api(b) } });
    expect(screen.queryByTestId('pick-files')).toBeNull();
    expect(screen.getByTestId('browser-paths-note').textContent).toMatch(/server runs on this machine/);
    await fireEvent.drop(screen.getByTestId('screen-ingest'), { dataTransfer: { files: [new File(['x'], 'a.txt')] } });
    expect(screen.getByTestId('drop-message').textContent).toMatch(/does not tell Exhibit where dropped files are/);
    expect(value('ingest-paths')).toBe('');
  });

  it('desktop: the Matters screen fills the folder from a native dialog', async () => {
    app.status = null;
    const pickPaths = vi.fn(async () => ({ paths: ['/cases/acme'], rejected: [] }));
    const { b } = backend({}, { nativePaths: true, pickPaths });
    render(Matters, { props: { api: new Api(b) } });
    await fireEvent.click(screen.getByTestId('browse-create'));
    expect(pickPaths).toHaveBeenCalledWith('matter');
    await waitFor(() => expect((screen.getByTestId('create-dir') as HTMLInputElement).value).toBe('/cases/acme'));
  });
});

describe('Links from reviewed material', () => {
  const body = { html: '<p>Hi <a>site</a></p>', blocked_loads: 0, links: ['https://evil.example/phish?x=1#frag', 'javascript:alert(1)'] };

  it('open only after the confirm dialog shows the full URL, and never on cancel', async () => {
    const open = vi.fn(async () => {});
    render(SafeHtmlFrame, { props: { body }, context: new Map([[EXTERNAL_KEY, { open, desktop: true }]]) });
    await fireEvent.click(screen.getByTestId('message-link-0'));
    expect(screen.getByTestId('link-url').textContent).toBe('https://evil.example/phish?x=1#frag');
    expect(screen.getByTestId('link-host').textContent).toBe('evil.example');
    expect(screen.getByTestId('link-confirm').textContent).toContain('system browser');
    await fireEvent.click(screen.getByTestId('link-cancel'));
    expect(screen.queryByTestId('link-confirm')).toBeNull();
    expect(open).not.toHaveBeenCalled();
    // Escape cancels too.
    await fireEvent.click(screen.getByTestId('message-link-0'));
    await fireEvent.keyDown(screen.getByTestId('link-confirm'), { key: 'Escape' });
    expect(screen.queryByTestId('link-confirm')).toBeNull();
    expect(open).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByTestId('message-link-0'));
    await fireEvent.click(screen.getByTestId('link-open'));
    expect(open).toHaveBeenCalledExactlyOnceWith('https://evil.example/phish?x=1#frag');
    await waitFor(() => expect(screen.queryByTestId('link-confirm')).toBeNull());
  });

  it('refuse what is not web or mail, with no way to open it', async () => {
    const open = vi.fn(async () => {});
    render(SafeHtmlFrame, { props: { body }, context: new Map([[EXTERNAL_KEY, { open, desktop: false }]]) });
    await fireEvent.click(screen.getByTestId('message-link-1'));
    expect(screen.getByTestId('link-url').textContent).toBe('javascript:alert(1)');
    expect(screen.getByTestId('link-refused').textContent).toMatch(/only web .* and mail/);
    expect(screen.queryByTestId('link-open')).toBeNull();
  });

  it('show the shell refusing a link as an error in the dialog', async () => {
    const open = vi.fn(async () => {
      throw new ApiError('open_failed', 'the system could not open the link');
    });
    render(SafeHtmlFrame, { props: { body }, context: new Map([[EXTERNAL_KEY, { open, desktop: true }]]) });
    await fireEvent.click(screen.getByTestId('message-link-0'));
    await fireEvent.click(screen.getByTestId('link-open'));
    await waitFor(() => expect(screen.getByTestId('link-error').textContent).toContain('could not open'));
  });

  it('checkLink admits only http(s) with a host and mailto', () => {
    expect(checkLink('https://a.example/x').ok).toBe(true);
    expect(checkLink('mailto:a@b.example').ok).toBe(true);
    for (const bad of ['javascript:alert(1)', 'file:///etc/passwd', 'data:text/html,x', 'ftp://a/b', 'example.com', 'tauri://localhost/']) {
      expect(checkLink(bad).ok, bad).toBe(false);
    }
  });
});

describe('Backends', () => {
  it('browser: opens a confirmed link in a new tab with no opener or referrer, and refuses other schemes', async () => {
    const open = vi.fn();
    const b = new HttpBackend('t', '', vi.fn() as unknown as typeof fetch, open);
    await b.openExternal('https://example.com/a b');
    expect(open).toHaveBeenCalledWith('https://example.com/a%20b', '_blank', 'noopener,noreferrer');
    await expect(b.openExternal('javascript:alert(1)')).rejects.toMatchObject({ code: 'link_refused' });
    expect(open).toHaveBeenCalledTimes(1);
    await expect(b.pickPaths()).rejects.toMatchObject({ code: 'not_in_browser' });
    await expect(b.openProductionFolder()).rejects.toMatchObject({ code: 'not_in_browser' });
    expect(b.nativePaths).toBe(false);
  });

  it('desktop: pick and open_external are their own commands; drops arrive as the exhibit:drop event', async () => {
    const invoke = vi.fn(async (cmd: string) => (cmd === 'pick' ? { paths: ['/x'], rejected: [] } : null));
    let handler!: (e: { payload: unknown }) => void;
    const listen = vi.fn(async (_ev: string, h: (e: { payload: unknown }) => void) => ((handler = h), () => {}));
    const b = new TauriBackend(invoke, (p) => p, listen as never);
    expect(await b.pickPaths('files')).toEqual({ paths: ['/x'], rejected: [] });
    expect(invoke).toHaveBeenCalledWith('pick', { kind: 'files' });
    await b.openExternal('https://example.com/');
    expect(invoke).toHaveBeenCalledWith('open_external', { url: 'https://example.com/' });
    // A production's folder is named by the production's id, never by a path.
    await b.openProductionFolder(3);
    expect(invoke).toHaveBeenCalledWith('open_production_folder', { production: 3 });
    const got: DropEvent[] = [];
    await b.onDrop((e) => got.push(e));
    expect(listen.mock.calls[0][0]).toBe('exhibit:drop');
    handler({ payload: { kind: 'drop', paths: ['/y'], rejected: [] } });
    expect(got).toEqual([{ kind: 'drop', paths: ['/y'], rejected: [] }]);
    invoke.mockRejectedValueOnce({ code: 'link_refused', message: 'no' });
    await expect(b.openExternal('file:///x')).rejects.toMatchObject({ code: 'link_refused' });
  });
});
