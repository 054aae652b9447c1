import { describe, expect, it } from 'vitest';
import {
  fillMonths,
  hours,
  hbars,
  histogram,
  money,
  narrowedQuery,
  newRequestName,
  niceMax,
  parseList,
  parseRate,
  queryProblem,
  range,
  rangeBars,
  stacks,
  startNarrowing,
  withRequestQuery,
} from '../lib/exposure';
import type { ExposureInputs } from '../api/types';

describe('exposure figures', () => {
  it('prints ranges as one figure or low–high', () => {
    expect(range({ low: 12, high: 12 })).toBe('12');
    expect(range({ low: 1.25, high: 3.5 }, 1)).toBe('1.3–3.5');
    expect(money({ low: 1200, high: 4800.4 }, 'USD')).toBe('USD 1,200–4,800');
    expect(money({ low: 0.5, high: 0.5 }, 'EUR')).toBe('EUR 0.50');
    expect(hours({ low: 0.36, high: 0.54 })).toBe('0.4–0.5');
    expect(hours({ low: 12.4, high: 18.6 })).toBe('12–19');
  });

  it('reads rates as typed, and refuses what is not a rate', () => {
    expect(parseRate('50')).toEqual({ low: 50, high: 50 });
    expect(parseRate(' 60 - 40 ')).toEqual({ low: 40, high: 60 });
    expect(parseRate('40–60')).toEqual({ low: 40, high: 60 });
    expect(parseRate('0.10')).toEqual({ low: 0.1, high: 0.1 });
    expect(parseRate('1,200')).toEqual({ low: 1200, high: 1200 });
    expect(parseRate('cheap')).toBeNull();
    expect(parseRate('')).toBeNull();
  });

  it('reads lists one per line, keeping commas inside names', () => {
    expect(parseList('Roe, Jane\n  jroe@x.com \n\n')).toEqual(['Roe, Jane', 'jroe@x.com']);
    expect(parseList('lawfirm.com; counsel.net')).toEqual(['lawfirm.com', 'counsel.net']);
    expect(parseList('')).toEqual([]);
  });
});

describe('narrowing a request', () => {
  it('gives the base back when nothing is added', () => {
    expect(narrowedQuery(startNarrowing('price cap'))).toBe('price cap');
  });

  it('adds dates, custodians and terms, each required', () => {
    const n = { ...startNarrowing('price OR tariff'), from: '2001-01-01', to: '2001-06-30', custodians: ['Farmer, Daren', 'Kaminski "VK"'], terms: 'gas' };
    expect(narrowedQuery(n)).toBe('(price OR tariff) AND date:[2001-01-01 TO 2001-06-30] AND (custodian:"Farmer, Daren" OR custodian:"Kaminski  VK") AND (gas)');
    expect(narrowedQuery({ ...startNarrowing('x'), from: '2001-01-01' })).toBe('(x) AND date>=2001-01-01');
    expect(narrowedQuery({ ...startNarrowing('x'), to: '2001-01-01', custodians: ['A'] })).toBe('(x) AND date<=2001-01-01 AND custodian:"A"');
  });

  it('replaces one request of the inputs without touching the others', () => {
    const inputs = { request: [{ name: 'a', query: '1' }, { name: 'b', query: '2' }] } as unknown as ExposureInputs;
    const w = withRequestQuery(inputs, 1, '3');
    expect(w.request.map((r) => r.query)).toEqual(['1', '3']);
    expect(inputs.request[1].query).toBe('2');
  });

  it('names a new request after the existing ones', () => {
    expect(newRequestName([])).toBe('Request 1');
    expect(newRequestName([{ name: 'request 2', query: '' }])).toBe('Request 3');
    expect(newRequestName([{ name: 'RFP', query: '' }, { name: 'Request 2', query: '' }])).toBe('Request 3');
  });
});

describe("the library's query errors", () => {
  it('are attributed to the request, evidence query or screen they name', () => {
    expect(queryProblem('request "RFP 3": at character 7: expected a term after w/')).toEqual({
      kind: 'request',
      name: 'RFP 3',
      position: 7,
      message: 'expected a term after w/',
    });
    const e = queryProblem('evidence query "Smoking gun": unknown field');
    expect([e.kind, e.name, e.position]).toEqual(['evidence', 'Smoking gun', null]);
    expect(queryProblem('request "Request 2" has no query: give it `query = "…"`').name).toBe('Request 2');
    expect(queryProblem('two requests are named "A": names must differ').kind).toBeNull();
    expect(queryProblem('something else').kind).toBeNull();
  });
});

describe('chart geometry', () => {
  it('rounds the axis up to a readable maximum', () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(7)).toBe(10);
    expect(niceMax(130)).toBe(200);
    expect(niceMax(2400)).toBe(2500);
  });

  it('scales bars to the largest value, in order', () => {
    const g = hbars([{ label: 'a', value: 5 }, { label: 'b', value: 10 }], 600);
    expect(g.max).toBe(10);
    expect(g.bars[1].w).toBeCloseTo(g.plot.width);
    expect(g.bars[0].w).toBeCloseTo(g.plot.width / 2);
    expect(g.bars[1].y).toBeGreaterThan(g.bars[0].y);
  });

  it('lays stacked segments end to end on one scale', () => {
    const g = stacks([{ label: 'r', values: [{ key: 'p', value: 3 }, { key: 'c', value: 2 }] }], 600);
    const [p, c] = g.rows[0].segments;
    expect(c.x).toBeCloseTo(p.x + p.w);
    expect(g.rows[0].total).toBe(5);
    expect(p.w / c.w).toBeCloseTo(1.5);
  });

  it('draws a range from its low to its high end', () => {
    const g = rangeBars([{ label: 'a', range: { low: 50, high: 100 } }], 600);
    expect(g.bars[0].x + g.bars[0].w).toBeCloseTo(g.plot.left + g.plot.width);
    expect(g.bars[0].w).toBeCloseTo(g.plot.width / 2);
  });

  it('fills the empty months of a timeline', () => {
    const m = fillMonths([{ label: '2001-11', count: 2 }, { label: '2002-02', count: 1 }]);
    expect(m).toEqual([
      { label: '2001-11', count: 2 },
      { label: '2001-12', count: 0 },
      { label: '2002-01', count: 0 },
      { label: '2002-02', count: 1 },
    ]);
    expect(histogram(m, 400, 150).bars.map((b) => b.value)).toEqual([2, 0, 0, 1]);
    expect(fillMonths([])).toEqual([]);
  });
});
