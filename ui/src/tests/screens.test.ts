import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import Ingest from '../screens/Ingest.svelte';
import Audit from '../screens/Audit.svelte';
import Matters from '../screens/Matters.svelte';
import { Api } from '../api/client';
import type { Backend } from '../api/backend';
import { ApiError } from '../api/backend';
import { app } from '../lib/state.svelte';
import { shellParts } from './fake';

const status = { matter: '/m', name: 'Acme', items: 12, by_kind: { email: 8, pdf: 4 }, by_status: {}, custodians: { 'Farmer, Daren': 12 }, errors: 1, tags: {}, productions: 0, audit_entries: 3 };

function backend(
  handlers: Record<string, (p: Record<string, unknown>) => unknown>,
  progress?: () => unknown,
  shell: Parameters<typeof shellParts>[0] = {},
): Backend {
  return {
    kind: 'http',
    ...shellParts(shell),
    async call<T>(method: string, params: Record<string, unknown> = {}) {
      const h = handlers[method];
      if (!h) throw new ApiError('unknown_method', method);
      return (await h(params)) as T;
    },
    progress: async () => (progress ? progress() : { running: false, method: null, progress: null }) as never,
    itemUrls: async () => ({ page: () => '', original: '', expires: Infinity }),
  };
}

describe('Ingest screen', () => {
  it('polls progress while the ingest runs, then shows the summary and its errors', async () => {
    let finish!: (v: unknown) => void;
    const p = { files_total: 10, files_done: 4, bytes_total: 1000, bytes_done: 400, items_added: 5, duplicates: 1, errors: 1, elapsed_ms: 2000 };
    const progress = vi.fn(() => ({ running: true, method: 'ingest', progress: p }));
    const b = backend(
      {
        ingest: () => new Promise((r) => (finish = r)),
        status: () => status,
        errors: () => ({ errors: [{ id: 1, batch: 7, item: null, control: null, path: '/ev/bad.pdf', stage: 'extract', code: 'encrypted', reason: 'the PDF is encrypted', path_bytes: null }] }),
      },
      progress,
    );
    render(Ingest, { props: { api: new Api(b) } });
    await fireEvent.input(screen.getByTestId('ingest-paths'), { target: { value: '/ev\n' } });
    await fireEvent.click(screen.getByTestId('ingest-start'));
    await waitFor(() => expect(screen.getByTestId('files-done').textContent).toBe('4'), { timeout: 2000 });
    expect(screen.getByTestId('ingest-progress').textContent).toMatch(/2\.0\s*files\/s/);
    finish({ batch: 7, custodian: 'Unassigned', files_seen: 10, files_skipped: 0, items_added: 9, duplicates: 1, errors: 1, items_total: 12, bytes: 1000, elapsed_ms: 3000, cancelled: false, resumed_batches: [] });
    await waitFor(() => expect(screen.getByTestId('ingest-summary').textContent).toContain('9'));
    await waitFor(() => expect(screen.getByTestId('ingest-errors').textContent).toContain('the PDF is encrypted'));
    expect(app.status?.name).toBe('Acme');
  });
});

describe('Audit screen', () => {
  it('lists entries, filters them and shows the verification result', async () => {
    const b = backend({
      audit: () => ({ entries: [
        { seq: 2, time: 't2', actor: 'ann', action: 'tag.add', payload: { tag: 'Hot' }, hash: 'b'.repeat(64) },
        { seq: 1, time: 't1', actor: 'ann', action: 'matter.create', payload: {}, hash: 'a'.repeat(64) },
      ] }),
      verify: () => ({ ok: true, audit_entries: 2, blobs_checked: 0, items_checked: 0, head: null, problems: [], notes: [] }),
    });
    render(Audit, { props: { api: new Api(b) } });
    await waitFor(() => expect(screen.getByTestId('audit-log').querySelectorAll('tbody tr').length).toBe(2));
    await fireEvent.input(screen.getByTestId('audit-filter'), { target: { value: 'hot' } });
    await waitFor(() => expect(screen.getByTestId('audit-log').querySelectorAll('tbody tr').length).toBe(1));
    await fireEvent.click(screen.getByTestId('verify'));
    await waitFor(() => expect(screen.getByTestId('verify-result').textContent).toContain('Verified'));
  });
});

describe('Matters screen', () => {
  it('opens a matter and shows items by kind and custodian, and the errors', async () => {
    app.status = null;
    const b = backend({
      open_matter: () => ({ matter: status.matter, name: status.name, items: status.items }),
      status: () => status,
      errors: () => ({ errors: [{ id: 1, batch: 1, item: null, control: null, path: '/ev/x.doc', stage: 'detect', code: 'unknown', reason: 'not a known format', path_bytes: null }] }),
    });
    render(Matters, { props: { api: new Api(b) } });
    await fireEvent.input(screen.getByTestId('open-dir'), { target: { value: '/m' } });
    await fireEvent.click(screen.getByTestId('open-matter'));
    await waitFor(() => expect(screen.getByTestId('matter-summary').textContent).toContain('Farmer, Daren'));
    expect(screen.getByTestId('matter-summary').textContent).toContain('email');
    await waitFor(() => expect(screen.getByTestId('matter-errors').textContent).toContain('not a known format'));
  });
});
