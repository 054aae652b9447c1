import { describe, expect, it, vi } from 'vitest';
import { ResultPager } from '../lib/pager';
import type { Hit, SearchResult } from '../api/types';

const TOTAL = 150_000;
function fakeSearch(delay = 0) {
  return vi.fn(async (query: string, limit: number, offset: number): Promise<SearchResult> => {
    if (delay) await new Promise((r) => setTimeout(r, delay));
    const hits: Hit[] = [];
    for (let i = offset; i < Math.min(TOTAL, offset + limit); i++) {
      hits.push({ id: i + 1, control: `EXH-${i + 1}`, kind: 'email', title: `${query} ${i}`, date: null, custodians: [], score: 1, snippet: '', segments: [], offsets: [] });
    }
    return { query, total: TOTAL, offset, hits };
  });
}

describe('ResultPager', () => {
  it('fetches only the pages in view, once each', async () => {
    const f = fakeSearch();
    const p = new ResultPager(f, 100);
    await p.reset('gas');
    expect(p.total).toBe(TOTAL);
    await Promise.all([p.ensure(120_000, 120_030), p.ensure(120_010, 120_040)]);
    expect(p.get(120_005)?.id).toBe(120_006);
    expect(f).toHaveBeenCalledTimes(2);
    expect(f.mock.calls[1]).toEqual(['gas', 100, 120_000, 'relevance']);
  });

  it('keeps memory bounded while scrolling through 150,000 rows', async () => {
    const f = fakeSearch();
    const p = new ResultPager(f, 100, 20);
    await p.reset('x');
    for (let row = 0; row < TOTAL; row += 5_000) await p.ensure(row, row + 40);
    expect(p.cachedPages.length).toBeLessThanOrEqual(20);
    expect(p.get(TOTAL - 1)).toBeUndefined();
    await p.ensure(TOTAL - 10, TOTAL + 50);
    expect(p.get(TOTAL - 1)?.id).toBe(TOTAL);
  });

  it('drops late answers for an old query', async () => {
    const f = fakeSearch(20);
    const p = new ResultPager(f, 100);
    await p.reset('old');
    const late = p.ensure(5_000, 5_010);
    await p.reset('new');
    await late;
    expect(p.get(5_000)).toBeUndefined();
    expect(p.get(0)?.title).toBe('new 0');
  });

  it('keeps the current results when a new query fails', async () => {
    const ok = fakeSearch();
    let fail = false;
    const p = new ResultPager(async (q, l, o) => {
      if (fail) throw new Error('bad query');
      return ok(q, l, o);
    }, 100);
    await p.reset('good');
    fail = true;
    await expect(p.reset('bad (')).rejects.toThrow('bad query');
    fail = false;
    expect(p.query).toBe('good');
    expect(p.get(0)?.title).toBe('good 0');
    await p.ensure(500, 510);
    expect(p.get(505)?.title).toBe('good 505');
  });
});
