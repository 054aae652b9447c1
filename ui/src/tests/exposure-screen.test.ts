import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import Exposure from '../screens/Exposure.svelte';
import { Api } from '../api/client';
import type { Backend } from '../api/backend';
import { ApiError } from '../api/backend';
import type { Exposure as Fig, ExposureInputs, ExposureReport, FigureSearches } from '../api/types';
import { app } from '../lib/state.svelte';
import { shellParts } from './fake';

const defaults: ExposureInputs = {
  review: {
    first_pass_docs_per_hour: { low: 50, high: 50 },
    privilege_docs_per_hour: { low: 20, high: 20 },
    hourly_rate: { low: 75, high: 75 },
    privilege_hourly_rate: { low: 350, high: 350 },
    cost_per_page: { low: 0.1, high: 0.1 },
    currency: 'USD',
  },
  tags: { privileged: ['Privileged'], confidential: ['Confidential'], trade_secret: [], hot: ['Hot'], needs_redaction: [], reviewed: ['Reviewed'] },
  request: [],
  evidence: [],
  privilege: { attorneys: [], domains: [], terms: [] },
};

/** A stand-in for the library: a query's figures follow from its length, so an edit shows. */
function figures(query: string): Fig {
  const n = query.length;
  const r = (x: number) => ({ low: x, high: x * 1.5 });
  return {
    documents: n, families: n + 1, pages: 3 * n, pages_estimated: 1, bytes: 0, custodians: 1, date_first: '2001-01-02', date_last: '2001-05-06',
    privileged: 1, potentially_privileged: 0, confidential: 2, trade_secret: 0, needs_redaction: 0, hot: 1,
    first_pass_hours: r(1), privilege_hours: r(1), review_hours: r(2), production_cost: r(1), review_cost: r(100 * n),
  };
}
function searches(query: string): FigureSearches {
  const f = (what: string) => ({ search: `Exposure: ${what}`, query: what === 'documents' ? query : `(${query}) AND ${what}` });
  return { documents: f('documents'), families: f('families'), privileged: f('privileged'), potentially_privileged: null, confidential: f('confidential'), trade_secret: f('trade_secret'), needs_redaction: f('needs_redaction'), hot: f('hot') };
}
function report(inputs: ExposureInputs): ExposureReport {
  const all = inputs.request.map((r) => r.query).join(' ');
  return {
    matter: 'M', generated: '2026-01-01T00:00:00Z', inputs,
    requests: inputs.request.map((r) => ({ name: r.name, query: r.query, ...figures(r.query), adds_alone: 1, searches: searches(r.query) })),
    overall: figures(all), overall_searches: searches(all), overlap: [], sample: null, privilege_screen: null, evidence: [],
    hot_timeline: [{ label: '2001-03', count: 2 }], hot_documents: [], model_logs: null,
    overview: { items_found: 0, bytes_found: 0, items: 0, bytes: 0, families: 0, custodians: [], file_types: [], sender_domains: [], months: [], undated: 0, errors: 0, needs_ocr: 0, languages: [], languages_sampled: 0, languages_of: 0 },
    terms: [], method: [],
  };
}

function backend(calls: { method: string; params: Record<string, unknown> }[]): Backend {
  return {
    kind: 'http',
    ...shellParts(),
    async call<T>(method: string, params: Record<string, unknown> = {}) {
      calls.push({ method, params });
      switch (method) {
        case 'exposure_inputs':
          return structuredClone(defaults) as T;
        case 'tags':
          return { tags: [{ name: 'Privileged', count: 3, builtin: true }, { name: 'Hot', count: 2, builtin: true }] } as T;
        case 'facets':
          return { total: 4, kind: [], custodian: [['Farmer, Daren', 3], ['Okafor, Sam', 1]], tag: [], month: [], ext: [], sender_domain: [] } as T;
        case 'exposure': {
          const inputs = params.inputs as ExposureInputs;
          const bad = inputs.request.find((r) => r.query.includes('w/ '));
          if (bad) throw new ApiError('bad_query', `request "${bad.name}": at character ${bad.query.indexOf('w/') + 1}: a proximity needs a term after it`);
          return report(inputs) as T;
        }
        case 'save_exposure_inputs':
          return params.inputs as T;
        default:
          throw new ApiError('unknown_method', method);
      }
    },
    progress: async () => ({ running: false, method: null, progress: null }) as never,
    itemUrls: async () => ({ page: () => '', original: '', expires: Infinity }),
  };
}

const exposureCalls = (calls: { method: string; params: Record<string, unknown> }[]) => calls.filter((c) => c.method === 'exposure').map((c) => c.params);

describe('Exposure screen', () => {
  it('adds a request, shows its live figures, narrows it, points at a bad query, and saves', async () => {
    const calls: { method: string; params: Record<string, unknown> }[] = [];
    render(Exposure, { props: { api: new Api(backend(calls)) } });
    await waitFor(() => expect(exposureCalls(calls).length).toBe(1));
    expect(exposureCalls(calls)[0].full).toBe(false);

    await fireEvent.click(await screen.findByTestId('request-add'));
    await fireEvent.input(screen.getByTestId('request-query'), { target: { value: 'price cap' } });
    await waitFor(() => expect(screen.getByTestId('fig-documents-0').textContent).toBe('9'), { timeout: 3000 });
    expect(screen.getByTestId('fig-documents-overall').textContent).toBe('9');
    expect(screen.getByTestId('fig-review_cost-0').textContent).toBe('USD 900–1,350');
    expect(screen.getByTestId('unsaved')).toBeTruthy();
    const bar = () => screen.getByTestId('chart-volumes').querySelector('rect[data-label="Request 1"]')?.getAttribute('data-value');
    expect(bar()).toBe('9');

    // Narrowing: the figures follow the narrowed copy; the request's own query waits for Apply.
    await fireEvent.click(screen.getByTestId('request-narrow'));
    await screen.findByTestId('narrow-panel');
    await waitFor(() => expect(screen.getByTestId('narrow-custodians').textContent).toContain('Farmer, Daren'));
    await fireEvent.input(screen.getByTestId('narrow-from'), { target: { value: '2001-01-01' } });
    const narrowed = '(price cap) AND date>=2001-01-01';
    await waitFor(() => expect(screen.getByTestId('fig-documents-0').textContent).toBe(String(narrowed.length)), { timeout: 3000 });
    expect(bar()).toBe(String(narrowed.length));
    expect((exposureCalls(calls).at(-1)!.inputs as ExposureInputs).request[0].query).toBe(narrowed);
    expect((screen.getByTestId('request-query') as HTMLTextAreaElement).value).toBe('price cap');
    await fireEvent.click(screen.getByTestId('narrow-apply'));
    expect((screen.getByTestId('request-query') as HTMLTextAreaElement).value).toBe(narrowed);

    // A query the library refuses is pointed at under its request; the last figures stay.
    await fireEvent.input(screen.getByTestId('request-query'), { target: { value: 'price w/ ' } });
    await waitFor(() => expect(screen.getByTestId('request-error').textContent).toContain('At character 7'), { timeout: 3000 });
    expect(screen.getByTestId('fig-documents-0').textContent).toBe(String(narrowed.length));
    await fireEvent.input(screen.getByTestId('request-query'), { target: { value: 'price' } });
    await waitFor(() => expect(screen.queryByTestId('request-error')).toBeNull(), { timeout: 3000 });

    // A rate typed as a range is carried to the inputs.
    await fireEvent.input(screen.getByTestId('rate-hourly_rate'), { target: { value: '60-90' } });
    await waitFor(() => expect((exposureCalls(calls).at(-1)!.inputs as ExposureInputs).review.hourly_rate).toEqual({ low: 60, high: 90 }), { timeout: 3000 });

    await fireEvent.click(screen.getByTestId('exposure-save'));
    await waitFor(() => expect(screen.queryByTestId('unsaved')).toBeNull());
    const saved = calls.find((c) => c.method === 'save_exposure_inputs')!.params.inputs as ExposureInputs;
    expect(saved.request).toEqual([{ name: 'Request 1', query: 'price' }]);

    // A figure opens its documents in Review.
    await fireEvent.click(screen.getByTestId('fig-privileged-0'));
    expect(app.screen).toBe('review');
    expect(app.reviewQuery).toBe('(price) AND privileged');
  }, 30_000);
});
