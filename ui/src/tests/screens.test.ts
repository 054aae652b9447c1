import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import Ingest from '../screens/Ingest.svelte';
import Audit from '../screens/Audit.svelte';
import Matters from '../screens/Matters.svelte';
import Production from '../screens/Production.svelte';
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
    const p = { kind: 'ingest', files_total: 10, files_done: 4, bytes_total: 1000, bytes_done: 400, items_added: 5, duplicates: 1, errors: 1, elapsed_ms: 2000 };
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

describe('Production screen', () => {
  const gate = {
    ok: false,
    seconds: 0.4,
    problems: [],
    checks: [
      { name: 'redacted_text', ok: true, detail: '3 files read', failures: [] },
      { name: 'burned_boxes', ok: false, detail: '1 box', failures: [{ file: 'VOL001/IMAGES/0001/ACME-0000002.pdf', bates: 'ACME-0000002', what: 'a pixel is not black' }] },
    ],
  };
  const row = (id: number, status: string) => ({
    id, name: `ACME00${id}`, prefix: 'ACME-', out: `/out/ACME00${id}`, created: '2026-03-02T10:00:00Z', finished: null, status,
    first_bates: 'ACME-0000001', last_bates: 'ACME-0000004', documents: 2, pages: 4, settings: {},
  });
  const report = (dry: boolean) => ({
    production: 'ACME002', out: '/out/ACME002', documents: 2, pages: 4, first_bates: 'ACME-0000005', last_bates: 'ACME-0000008',
    produced: 1, redacted: 1, withheld: 0, selected: 1, added_for_families: 1, dry_run: dry, seconds: 1, gate_seconds: 0.4, notes: [],
    preview: dry ? [{ control: 'EXH-0000001', treatment: 'produced', pages: 1 }, { control: 'EXH-0000002', treatment: 'redacted', pages: 3 }] : [],
    ...(dry ? {} : { verification: gate }),
  });

  it('sends the set and settings, shows a dry run, live progress, the gate check by check, and past productions', async () => {
    const sent: Record<string, unknown>[] = [];
    let finish!: (v: unknown) => void;
    const b = backend(
      {
        saved_searches: () => ({ saved_searches: [{ name: 'Hot docs', query: 'tag:Hot', actor: 'a', created: 't' }] }),
        tags: () => ({ tags: [{ name: 'Responsive', count: 2, builtin: true }] }),
        productions: () => ({ productions: [row(1, 'incomplete')] }),
        produce: (p) => {
          sent.push(p);
          return p.dry_run ? report(true) : new Promise((r) => (finish = r));
        },
      },
      () => ({ running: true, method: 'produce', progress: { kind: 'produce', stage: 'building', documents_done: 1, documents: 2, pages_done: 2, pages_estimated: 4, pages_per_second: 12.5, eta_seconds: 0.2 } }),
    );
    render(Production, { props: { api: new Api(b) } });
    // The last production's folder and prefix are offered again; INCOMPLETE is shown as such.
    await waitFor(() => expect(screen.getByTestId('past-status').textContent).toBe('INCOMPLETE'));
    expect((screen.getByTestId('prod-out') as HTMLInputElement).value).toBe('/out');
    expect((screen.getByTestId('prod-prefix') as HTMLInputElement).value).toBe('ACME');
    await fireEvent.click(screen.getByTestId('set-saved'));
    await fireEvent.click(screen.getByTestId('prod-dry-run'));
    await waitFor(() => expect(screen.getByTestId('dry-range').textContent).toBe('ACME-0000005 – ACME-0000008'));
    expect(sent[0]).toMatchObject({ set: { saved_search: 'Hot docs' }, prefix: 'ACME', out: '/out', start: null, images: 'pdf', dry_run: true });
    expect(screen.getByTestId('dry-preview').textContent).toContain('redacted');
    await fireEvent.input(screen.getByTestId('prod-start'), { target: { value: '100' } });
    await fireEvent.click(screen.getByTestId('prod-produce'));
    await waitFor(() => expect(screen.getByTestId('prod-progress').textContent).toMatch(/12\.5\s*pages\/s/), { timeout: 2000 });
    expect(sent[1]).toMatchObject({ start: 100, dry_run: false });
    finish(report(false));
    await waitFor(() => expect(screen.getByTestId('prod-gate-verdict').textContent).toContain('FAILED'));
    const checks = screen.getAllByTestId('gate-check').map((r) => r.textContent);
    expect(checks[0]).toContain('passed');
    expect(checks[1]).toContain('ACME-0000002');
    // Browser mode shows the path; there is no "Open folder".
    expect(screen.queryByTestId('past-open')).toBeNull();
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
