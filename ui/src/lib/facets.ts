// Pure helpers for the facet panel (components/FacetPanel.svelte).

export interface YearOfMonths {
  year: string;
  total: number;
  months: { value: string; name: string; count: number }[];
}

const NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * The month facet (`[["2001-03", 120], …]`, calendar order) grouped by year, newest year last as
 * the API orders months; every month kept. A value that is not YYYY-MM goes under its own text.
 */
export function monthsByYear(values: [string, number][]): YearOfMonths[] {
  const years = new Map<string, YearOfMonths>();
  for (const [value, count] of values) {
    const m = /^(\d{4})-(\d{2})$/.exec(value);
    const year = m ? m[1] : value;
    const name = m ? (NAMES[Number(m[2]) - 1] ?? m[2]) : value;
    let y = years.get(year);
    if (!y) years.set(year, (y = { year, total: 0, months: [] }));
    y.total += count;
    y.months.push({ value, name, count });
  }
  return [...years.values()];
}
