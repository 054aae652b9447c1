import { describe, expect, it } from 'vitest';
import { fireEvent, render } from '@testing-library/svelte';
import FacetPanel from '../components/FacetPanel.svelte';
import { monthsByYear } from '../lib/facets';

// 27 months, 1999-11 … 2002-01: as many as Enron's beck-s mailbox spans.
const months: [string, number][] = Array.from({ length: 27 }, (_, i) => {
  const m = 10 + i; // month index from 1999-01
  return [`${1999 + Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}`, i + 1];
});

describe('facets', () => {
  it('groups months by year, keeping every month and summing each year', () => {
    const years = monthsByYear(months);
    expect(years.map((y) => y.year)).toEqual(['1999', '2000', '2001', '2002']);
    expect(years.flatMap((y) => y.months.map((m) => m.value))).toEqual(months.map(([v]) => v));
    expect(years[0].months.map((m) => m.name)).toEqual(['Nov', 'Dec']);
    expect(years[0].total).toBe(1 + 2);
    expect(years.reduce((n, y) => n + y.total, 0)).toBe(months.reduce((n, [, c]) => n + c, 0));
  });

  it('shows every month of a long month facet, grouped, with no "more" to press', () => {
    const { container } = render(FacetPanel, { props: { field: 'month', label: 'Month', values: months, onpick: () => {} } });
    expect(container.querySelectorAll('[data-month]')).toHaveLength(27);
    expect(container.querySelectorAll('[data-year]')).toHaveLength(4);
    expect(container.querySelector('[data-testid=facet-more]')).toBeNull();
  });

  it('shows the top values of another facet, and the rest behind "more"', async () => {
    const values: [string, number][] = Array.from({ length: 14 }, (_, i) => [`domain${i}.com`, 100 - i]);
    const picked: string[] = [];
    const { container, getByTestId } = render(FacetPanel, {
      props: { field: 'sender_domain', label: 'Sender domain', values, onpick: (_f: string, v: string) => picked.push(v) },
    });
    expect(container.querySelectorAll('[data-value]')).toHaveLength(10);
    expect(getByTestId('facet-more').textContent).toContain('4 more');
    await fireEvent.click(getByTestId('facet-more'));
    expect(container.querySelectorAll('[data-value]')).toHaveLength(14);
    expect(getByTestId('facet-more').textContent).toContain('Fewer');
    await fireEvent.click(container.querySelector('[data-value="domain13.com"] button')!);
    expect(picked).toEqual(['domain13.com']);
  });
});
