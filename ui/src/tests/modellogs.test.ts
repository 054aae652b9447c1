import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import ModelLogs from '../screens/ModelLogs.svelte';
import { Api } from '../api/client';
import type { Backend } from '../api/backend';
import { ApiError } from '../api/backend';
import { shellParts } from './fake';
import type { AccountReport, LogSignalName, LogsReport, ModelCall } from '../api/types';
import {
  callMeta, chartGeometry, conversation, coordinatedWith, dailyVolume, dayOf, exampleIds, formatSignalNumber, niceMax,
  paramsText, patternLabel, sortAccounts, accountExampleIds, templateSummary, topSignals,
} from '../lib/modellogs';

const sig = (name: LogSignalName, strength: number, examples: number[] = [], value = 1, threshold = 0.5) => ({ name, value, threshold, strength, detail: `${name} detail`, examples });
const acc = (account: string, score: number, calls: number, extra: Partial<AccountReport> = {}): AccountReport => ({
  account, calls, score, flagged: score >= 0.5, patterns: [], signals: [], benign_explanations: [], templates: [], unattributed: false, ...extra,
});

const call = (over: Partial<ModelCall> = {}): ModelCall => ({
  ts: '2025-03-02T10:00:00Z', account: 'org-1', api_key_id: 'k1', user: null, ip: '10.0.0.1', model: 'gpt-x',
  params: { temperature: 0, max_tokens: 4096, extra: { logit_bias: { a: 1 } } }, system: 'You are helpful.',
  messages: [{ role: 'user', content: 'Explain step by step: why is the sky blue?' }], completion: 'Because of Rayleigh scattering.',
  prompt_tokens: 12, completion_tokens: 1500, request_id: null, conversation_id: null, format: 'canonical', source_line: 1, raw: {}, ...over,
});

describe('accounts table shaping', () => {
  it('sorts by score, then calls, then name', () => {
    const s = sortAccounts([acc('b', 0.2, 10), acc('a', 0.9, 5), acc('c', 0.2, 50), acc('d', 0.2, 50)]);
    expect(s.map((a) => a.account)).toEqual(['a', 'c', 'd', 'b']);
  });
  it('top signals are the strongest non-zero ones', () => {
    const a = acc('a', 1, 1, { signals: [sig('calls_per_day', 0.2), sig('coordination', 0), sig('templated_harvesting', 0.9), sig('hour_entropy', 0.5)] });
    expect(topSignals(a, 2).map((s) => s.name)).toEqual(['templated_harvesting', 'hour_entropy']);
    expect(topSignals(a).every((s) => s.strength > 0)).toBe(true);
  });
  it('formats shares as percentages and counts whole', () => {
    expect(formatSignalNumber('templated_harvesting', 0.734)).toBe('73%');
    expect(formatSignalNumber('near_duplicate_prompts', 0.05)).toBe('5.0%');
    expect(formatSignalNumber('topic_breadth', 11)).toBe('11');
    expect(formatSignalNumber('interarrival_cv', -1)).toBe('n/a');
    expect(formatSignalNumber('calls_per_day', 12345.6)).toBe('12,346');
    expect(patternLabel('bulk_harvesting')).toBe('Bulk harvesting');
  });
});

describe('volume per day', () => {
  it('counts calls per UTC day with empty days filled in', () => {
    const v = dailyVolume([{ ts: '2025-03-01T23:59:00Z' }, { ts: '2025-03-01T01:00:00Z' }, { ts: '2025-03-04T00:00:00+00:00' }, { ts: null }, { ts: 'garbage' }]);
    expect(v.days).toEqual([
      { day: '2025-03-01', count: 2 }, { day: '2025-03-02', count: 0 }, { day: '2025-03-03', count: 0 }, { day: '2025-03-04', count: 1 },
    ]);
    expect(v.undated).toBe(2);
  });
  it('reads offsets and epoch times as UTC days', () => {
    expect(dayOf('2025-03-01T23:30:00-05:00')).toBe('2025-03-02');
    expect(dayOf('1740787200')).toBe('2025-03-01');
    expect(dayOf('1740787200000')).toBe('2025-03-01');
    expect(dayOf('2025-03-01 12:00:00')).toBe('2025-03-01');
  });
  it('lays bars out inside the plot, tallest at the round maximum', () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(7)).toBe(10);
    expect(niceMax(180)).toBe(200);
    expect(niceMax(2400)).toBe(2500);
    const g = chartGeometry([{ day: '2025-03-01', count: 5 }, { day: '2025-03-02', count: 10 }, { day: '2025-03-03', count: 0 }], 300, 130);
    expect(g.max).toBe(10);
    expect(g.bars).toHaveLength(3);
    expect(g.bars[1].h).toBeCloseTo(g.plot.height);
    expect(g.bars[0].h).toBeCloseTo(g.plot.height / 2);
    expect(g.bars[2].h).toBe(0);
    for (const b of g.bars) {
      expect(b.x).toBeGreaterThanOrEqual(g.plot.left);
      expect(b.x + b.w).toBeLessThanOrEqual(g.plot.left + g.plot.width + 1e-9);
      expect(b.y + b.h).toBeCloseTo(g.plot.top + g.plot.height);
    }
    expect(g.labels.map((l) => l.text)).toEqual(['03-01', '03-02', '03-03']);
  });
});

describe('coordination and templates', () => {
  const report: LogsReport = {
    group_by: 'account', calls: 33, coverage: [],
    accounts: [acc('a', 0.9, 10, { cluster: 0 }), acc('b', 0.8, 10, { cluster: 0 }), acc('c', 0.7, 10, { cluster: 0 }), acc('z', 0.1, 3)],
    clusters: [{ accounts: ['a', 'b', 'c'], reason: 'shared templates and keys', links: [{ a: 'a', b: 'b', kinds: ['template', 'ip_net'] }, { a: 'c', b: 'a', kinds: ['template'] }, { a: 'b', b: 'c', kinds: ['template'] }] }],
  };
  it('lists the partners of an account with how they are linked', () => {
    const c = coordinatedWith(report, report.accounts[0]);
    expect(c.reason).toBe('shared templates and keys');
    expect(c.size).toBe(3);
    expect(c.partners).toEqual([{ account: 'b', kinds: ['ip_net', 'template'] }, { account: 'c', kinds: ['template'] }]);
    expect(coordinatedWith(report, report.accounts[3]).partners).toEqual([]);
  });
  it("fetches the templates' examples first, then the signals'", () => {
    const a = acc('a', 1, 1, {
      signals: [sig('templated_harvesting', 1, [5, 6]), sig('hour_entropy', 1, [6, 7])],
      templates: [{ part: 'start', calls: 9, share: 0.9, subject_areas: 7, examples: [9, 5, 10, 11, 12], pattern: 'explain step by step …' }],
    });
    expect(accountExampleIds(a)).toEqual([9, 5, 10, 11, 6, 7]);
    expect(accountExampleIds(a, 3)).toEqual([9, 5, 10]);
  });
  it('describes a template by its calls, share and breadth', () => {
    expect(templateSummary({ part: 'end', calls: 1200, share: 0.456, subject_areas: 1, examples: [], pattern: '' })).toBe(
      '1,200 calls (46%) end this way · 1 subject area',
    );
  });
  it('collects distinct example ids from the chosen signals', () => {
    const a = acc('a', 1, 1, { signals: [sig('templated_harvesting', 1, [5, 6]), sig('hour_entropy', 1, [6, 7]), sig('reasoning_extraction', 1, [8])] });
    expect(exampleIds(a)).toEqual([5, 6, 7, 8]);
    expect(exampleIds(a, ['templated_harvesting', 'reasoning_extraction'])).toEqual([5, 6, 8]);
    expect(exampleIds(a, undefined, 2)).toEqual([5, 6]);
  });
});

describe('a call as a conversation', () => {
  it('puts the system prompt first and the completion last', () => {
    const t = conversation(call());
    expect(t.map((x) => [x.role, !!x.completion])).toEqual([['system', false], ['user', false], ['assistant', true]]);
  });
  it('does not repeat a system prompt that is already a message', () => {
    const t = conversation(call({ messages: [{ role: 'system', content: 'You are helpful.' }, { role: 'user', content: 'hi' }], completion: null }));
    expect(t.map((x) => x.role)).toEqual(['system', 'user']);
  });
  it('shows only logged metadata, parameters in one line', () => {
    const m = Object.fromEntries(callMeta(call()));
    expect(m.Model).toBe('gpt-x');
    expect(m['Completion tokens']).toBe('1,500');
    expect(m.User).toBeUndefined();
    expect(paramsText(call().params)).toBe('temperature=0 · max_tokens=4096 · logit_bias={"a":1}');
  });
});

describe('Model logs screen', () => {
  function backend() {
    const calls: { method: string; params: Record<string, unknown> }[] = [];
    const report: LogsReport = {
      group_by: 'account', calls: 7, coverage: [], clusters: [],
      accounts: [
        acc('org-quiet', 0.05, 4),
        acc('org-hot', 0.93, 3, { patterns: [{ kind: 'bulk_harvesting', score: 0.93, detail: 'high volume' }], signals: [sig('templated_harvesting', 0.9, [11], 0.8, 0.4), sig('calls_per_day', 0.7, [12], 900, 40)], benign_explanations: ['batch ETL: no'],
          templates: [{ part: 'start', calls: 2, share: 0.67, subject_areas: 2, examples: [11, 13], pattern: 'explain step by step …' }] }),
      ],
    };
    const b: Backend = {
      kind: 'http',
      ...shellParts(),
      async call<T>(method: string, params: Record<string, unknown> = {}) {
        calls.push({ method, params });
        const r = (v: unknown) => v as T;
        switch (method) {
          case 'logs_analyze': return r(report);
          case 'logs_section':
            return r({
              text: '## Model-log evidence: distillation analysis\n\n**Assessment: Strong.** 1 of 2 accounts',
              section: {
                id: 'model_logs', title: 'Model-log evidence: distillation analysis', rating: 'strong', summary: '1 of 2 accounts <b>flagged</b>',
                blocks: [
                  { type: 'heading', text: 'Flagged groups' },
                  { type: 'list', items: ['org-hot: **12** calls'] },
                  { type: 'table', columns: ['Account', 'Calls'], rows: [['org-hot', '12']] },
                ],
              },
            });
          case 'logs_calls': return r({ calls: [{ id: 11, ts: '2025-03-01T00:00:00Z' }, { id: 12, ts: '2025-03-01T05:00:00Z' }, { id: 13, ts: '2025-03-03T00:00:00Z' }] });
          case 'item': {
            const id = Number(params.id);
            return r({ id, control: `EXH-${id}`, kind: 'model_call', title: `prompt ${id}`, tags: [], model_call: call({ messages: [{ role: 'user', content: `Explain step by step "topic ${id}"` }] }) });
          }
          case 'tags': return r({ tags: [{ name: 'Hot', count: 0, builtin: true }] });
          case 'tag_add': return r({ tag: params.tag, changed: (params.items as string[]).length, items: (params.items as string[]).length });
          default: throw new ApiError('unknown_method', method);
        }
      },
      progress: async () => ({ running: false, method: null, progress: null }),
      itemUrls: async () => ({ page: () => '', original: '', expires: Infinity }),
    };
    return { b, calls };
  }

  it('ranks accounts, opens one, shows a call and tags all its calls', async () => {
    const { b, calls } = backend();
    render(ModelLogs, { props: { api: new Api(b) } });
    await waitFor(() => expect(screen.getAllByTestId('account-row')).toHaveLength(2));
    const rows = screen.getAllByTestId('account-row');
    expect(rows[0].dataset.account).toBe('org-hot');
    await fireEvent.click(rows[0]);
    await waitFor(() => expect(screen.getByTestId('volume-chart').querySelectorAll('rect')).toHaveLength(3));
    expect(screen.getByTestId('detail-account').textContent).toBe('org-hot');
    expect(screen.getAllByTestId('signal')[0].dataset.signal).toBe('templated_harvesting');
    await waitFor(() => expect(screen.getAllByTestId('template-example').map((e) => e.textContent)).toEqual(['Explain step by step "topic 11"', 'Explain step by step "topic 13"']));
    expect(screen.getByTestId('template').textContent).toContain('explain step by step …');
    expect(screen.getByTestId('template').textContent).toContain('2 calls (67%) start this way · 2 subject areas');

    await fireEvent.click(screen.getAllByTestId('example-link')[0]);
    const view = await screen.findByTestId('call-view');
    expect(within(view).getByText('Because of Rayleigh scattering.')).toBeTruthy();
    expect(within(view).getByText('gpt-x')).toBeTruthy();

    await fireEvent.click(screen.getByTestId('tag-calls'));
    // The matter has no such tag yet: the screen asks before creating it.
    expect((await screen.findByTestId('create-tag-ask')).textContent).toContain('Create tag “Distillation evidence”?');
    expect(calls.some((c) => c.method === 'tag_add')).toBe(false);
    await fireEvent.click(screen.getByTestId('create-tag-confirm'));
    await waitFor(() => expect(screen.getByTestId('tag-result').textContent).toContain('3 newly tagged'));
    const tag = calls.find((c) => c.method === 'tag_add')!;
    expect(tag.params.tag).toBe('Distillation evidence');
    expect(tag.params.create).toBe(true);
    expect(tag.params.items).toEqual(['11', '12', '13']);
    expect(calls.find((c) => c.method === 'logs_calls')!.params).toEqual({ group_by: 'account', account: 'org-hot' });
  });

  it("shows the exposure report's section for the analysis", async () => {
    const { b, calls } = backend();
    render(ModelLogs, { props: { api: new Api(b) } });
    await waitFor(() => expect(screen.getAllByTestId('account-row')).toHaveLength(2));
    await fireEvent.click(screen.getByTestId('report-section'));
    const shown = await screen.findByTestId('section-rendered');
    // Drawn from the structure: headings, lists and tables as elements, no Markdown marks, and
    // markup in a string stays text.
    expect(screen.getByTestId('section-assessment').textContent).toBe('Assessment: Strong. 1 of 2 accounts <b>flagged</b>');
    expect(shown.querySelector('h3')!.textContent).toBe('Flagged groups');
    expect(shown.querySelector('li')!.textContent).toBe('org-hot: **12** calls');
    expect(shown.querySelector('td')!.textContent).toBe('org-hot');
    expect(shown.querySelector('b')).toBeNull();
    expect(shown.textContent).not.toContain('##');
    expect(calls.find((c) => c.method === 'logs_section')!.params).toEqual({ group_by: 'account', suspect_outputs: null, format: 'markdown' });
    await fireEvent.click(screen.getByTestId('section-close'));
    expect(screen.queryByTestId('section-view')).toBeNull();
  });
});
