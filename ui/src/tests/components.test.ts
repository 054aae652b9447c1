import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { tick } from 'svelte';
import QueryBar from '../components/QueryBar.svelte';
import SafeHtmlFrame from '../components/SafeHtmlFrame.svelte';
import Review from '../screens/Review.svelte';
import { Api } from '../api/client';
import { fakeBackend } from './fake';

describe('QueryBar', () => {
  it('marks the error position and shows syntax help', async () => {
    render(QueryBar, { props: { value: 'gas AND (oil', error: { message: 'at character 9: expected )', position: 9 }, onsearch: () => {} } });
    expect(screen.getByRole('alert').textContent).toContain('expected )');
    expect(document.querySelector('.q-at')?.textContent).toBe('(');
    await fireEvent.click(screen.getByTitle('Query syntax'));
    expect(screen.getByTestId('syntax-help').textContent).toContain('w/5');
  });
});

describe('SafeHtmlFrame', () => {
  it('shows the body in a sandboxed iframe with no permissions and a no-load CSP', () => {
    render(SafeHtmlFrame, { props: { body: { html: '<p>Hello</p>', blocked_loads: 2, links: ['https://x.example/'] } } });
    const frame = screen.getByTestId('html-frame') as HTMLIFrameElement;
    expect(frame.getAttribute('sandbox')).toBe('');
    const doc = frame.getAttribute('srcdoc')!;
    expect(doc).toContain("default-src 'none'");
    expect(doc).toContain('<p>Hello</p>');
    expect(screen.getByTestId('blocked-loads').textContent).toContain('2 remote');
  });
});

describe('Review workspace', () => {
  async function setup() {
    const f = fakeBackend(100_000);
    render(Review, { props: { api: new Api(f.backend) } });
    await waitFor(() => expect(screen.getByTestId('total').textContent).toContain('100,000'));
    await waitFor(() => expect(screen.getByTestId('viewer-control').textContent).toBe('EXH-0000001'));
    return f;
  }

  it('renders a window of rows, not 100,000, and pages from the backend', async () => {
    const f = await setup();
    expect(document.querySelectorAll('.vrow').length).toBeLessThan(60);
    const spacer = document.querySelector('.vspacer') as HTMLElement;
    expect(parseInt(spacer.style.height)).toBe(100_000 * 64);
    const searches = f.calls.filter((c) => c.method === 'search');
    expect(searches.every((c) => (c.params.limit as number) <= 100)).toBe(true);
    expect(screen.getAllByText('gas').length).toBeGreaterThan(0);
  });

  it('j/k move between documents and digits toggle tags', async () => {
    const f = await setup();
    await fireEvent.keyDown(window, { key: 'j' });
    await waitFor(() => expect(screen.getByTestId('viewer-control').textContent).toBe('EXH-0000002'));
    await fireEvent.keyDown(window, { key: 'k' });
    await waitFor(() => expect(screen.getByTestId('viewer-control').textContent).toBe('EXH-0000001'));
    await fireEvent.keyDown(window, { key: '3' });
    await waitFor(() => expect(f.calls.some((c) => c.method === 'tag_add' && c.params.tag === 'Hot')).toBe(true));
    await waitFor(() => expect(screen.getByTestId('tag-3').classList.contains('on')).toBe(true));
    await fireEvent.keyDown(window, { key: '3' });
    await waitFor(() => expect(f.calls.some((c) => c.method === 'tag_remove' && c.params.tag === 'Hot')).toBe(true));
  });

  it('keys typed in the query bar are not shortcuts', async () => {
    const f = await setup();
    const input = screen.getByTestId('query');
    await fireEvent.keyDown(input, { key: '1' });
    await tick();
    expect(f.calls.some((c) => c.method === 'tag_add')).toBe(false);
  });

  it('shows the hits and steps through them', async () => {
    await setup();
    await fireEvent.click(screen.getByTestId('tab-text'));
    await waitFor(() => expect(screen.getByTestId('hit-counter').textContent).toBe('hit 1 of 3'));
    await fireEvent.click(screen.getByTestId('next-hit'));
    await waitFor(() => expect(screen.getByTestId('hit-counter').textContent).toBe('hit 2 of 3'));
    expect(document.querySelectorAll('mark').length).toBe(3);
    expect(document.querySelector('mark.current')?.getAttribute('data-hit')).toBe('1');
  });

  it('bulk-tags the result set by query after a confirmation', async () => {
    const f = await setup();
    const btn = screen.getByTestId('bulk-apply');
    await fireEvent.click(btn);
    expect(f.calls.some((c) => c.method === 'tag_add')).toBe(false);
    expect(btn.textContent).toContain('Confirm');
    await fireEvent.click(btn);
    await waitFor(() => expect(f.calls.some((c) => c.method === 'tag_add' && typeof c.params.query === 'string')).toBe(true));
  });

  it('reports the position of a query error as it is typed, and never runs it', async () => {
    const f = await setup();
    const searches = () => f.calls.filter((c) => c.method === 'search').length;
    const before = searches();
    const input = screen.getByTestId('query') as HTMLInputElement;
    await fireEvent.input(input, { target: { value: 'gas (oil' } });
    await waitFor(() => expect(screen.getByTestId('query-error').textContent).toContain("At character 5: this '(' is never closed: add a ')'"));
    expect(document.querySelector('.q-at')?.textContent).toBe('(');
    await fireEvent.click(screen.getByTestId('search'));
    await tick();
    expect(searches()).toBe(before);
    // Corrected, the error goes and the query runs.
    await fireEvent.input(input, { target: { value: 'gas (oil)' } });
    await waitFor(() => expect(screen.queryByTestId('query-error')).toBeNull());
    await fireEvent.click(screen.getByTestId('search'));
    await waitFor(() => expect(searches()).toBe(before + 1));
  });

  it('the redacted view shows only the server\'s redacted item, everywhere in the viewer', async () => {
    const f = await setup();
    expect(screen.getByTestId('viewer-title').textContent).toBe('Document 1');
    await fireEvent.keyDown(window, { key: 'r' });
    await waitFor(() => expect(screen.getByTestId('redacted-banner')).toBeTruthy());
    expect(f.calls.some((c) => c.method === 'item' && c.params.redacted === true)).toBe(true);
    expect(screen.getByTestId('viewer-title').textContent).toBe('[REDACTED – TS] budget');
    expect(screen.getByTestId('email-subject').textContent).toBe('[REDACTED – TS] budget');
    expect(screen.getByTestId('email-headers').textContent).toContain('Bcc[REDACTED – PII]');
    // Notes, the redaction list (which holds the hidden text) and the original are not offered.
    expect(screen.queryByTestId('tab-notes')).toBeNull();
    expect(screen.queryByTestId('tab-redactions')).toBeNull();
    await fireEvent.click(screen.getByTestId('tab-text'));
    expect(screen.getByTestId('hit-counter').textContent).toBe('no hits');
    expect(screen.queryByTestId('redact-selection')).toBeNull();
    const viewer = screen.getByTestId('viewer');
    expect(viewer.textContent).not.toContain('gas prices');
    expect(viewer.textContent).toContain('We talked about [REDACTED – PII].');
    // It stays on for the next document, loaded redacted.
    await fireEvent.keyDown(window, { key: 'j' });
    await waitFor(() => expect(screen.getByTestId('viewer-control').textContent).toBe('EXH-0000002'));
    await waitFor(() => expect(f.calls.some((c) => c.method === 'item' && c.params.redacted === true && c.params.id === '2')).toBe(true));
    expect(screen.getByTestId('viewer-title').textContent).toBe('[REDACTED – TS] budget');
    await fireEvent.keyDown(window, { key: 'r' });
    await waitFor(() => expect(screen.getByTestId('viewer-title').textContent).toBe('Document 2'));
  });

  it('says redaction is not available yet when the API lacks it', async () => {
    await setup();
    await fireEvent.click(screen.getByTestId('tab-text'));
    const mark = document.querySelector('mark')!;
    const range = document.createRange();
    range.selectNodeContents(mark);
    window.getSelection()!.removeAllRanges();
    window.getSelection()!.addRange(range);
    await fireEvent.click(screen.getByTestId('redact-selection'));
    await waitFor(() => expect(screen.getByTestId('redact-message').textContent).toContain('not available yet'));
  });
});

describe('Keyboard coding while a document loads', () => {
  it('a tag key right after j codes the new document', async () => {
    const f = fakeBackend(1000);
    const slow = f.backend.call.bind(f.backend);
    f.backend.call = (async (method: string, params?: Record<string, unknown>) => {
      if (method === 'item') await new Promise((r) => setTimeout(r, 50));
      return slow(method, params);
    }) as typeof f.backend.call;
    render(Review, { props: { api: new Api(f.backend) } });
    await waitFor(() => expect(screen.getByTestId('viewer-control').textContent).toBe('EXH-0000001'));
    await fireEvent.keyDown(window, { key: 'j' });
    await fireEvent.keyDown(window, { key: '1' });
    await waitFor(() => expect(f.calls.some((c) => c.method === 'tag_add')).toBe(true));
    const add = f.calls.find((c) => c.method === 'tag_add')!;
    expect(add.params.items).toEqual(['2']);
  });
});
