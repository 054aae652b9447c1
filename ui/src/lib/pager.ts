// Pages search results from the backend for a virtualized list: only the pages around the
// visible rows are fetched; a new query discards everything (and late answers for the old one).
import type { Hit, SearchResult, Sort } from '../api/types';

export type Fetcher = (query: string, limit: number, offset: number, sort: Sort) => Promise<SearchResult>;

export class ResultPager {
  readonly pageSize: number;
  private pages = new Map<number, Hit[]>();
  private inflight = new Map<number, Promise<void>>();
  private generation = 0;
  private order: number[] = [];
  total = 0;
  query = '';
  sort: Sort = 'relevance';

  constructor(
    private fetcher: Fetcher,
    pageSize = 100,
    private maxPages = 60,
    private onChange: () => void = () => {},
  ) {
    this.pageSize = pageSize;
  }

  /**
   * Starts a new result set; resolves with its first page. On an error (a bad query) the
   * current result set stays as it was, and the error propagates.
   */
  async reset(query: string, sort: Sort = 'relevance'): Promise<SearchResult> {
    const gen = ++this.generation;
    let r: SearchResult;
    try {
      r = await this.fetcher(query, this.pageSize, 0, sort);
    } catch (e) {
      // Late answers for the old set were dropped with the generation: let them be asked again.
      if (gen === this.generation) this.inflight.clear();
      throw e;
    }
    if (gen === this.generation) {
      this.pages.clear();
      this.inflight.clear();
      this.order = [];
      this.query = query;
      this.sort = sort;
      this.total = r.total;
      this.store(0, r.hits);
      this.onChange();
    }
    return r;
  }

  /** The hit at `index`, if its page has arrived. */
  get(index: number): Hit | undefined {
    return this.pages.get(Math.floor(index / this.pageSize))?.[index % this.pageSize];
  }

  /** Makes sure the rows `[from, to]` are loaded or on their way. */
  ensure(from: number, to: number): Promise<void> {
    const first = Math.max(0, Math.floor(from / this.pageSize));
    const last = Math.min(Math.floor(Math.max(0, this.total - 1) / this.pageSize), Math.floor(to / this.pageSize));
    const waits: Promise<void>[] = [];
    for (let p = first; p <= last; p++) {
      if (this.pages.has(p)) {
        this.touch(p);
        continue;
      }
      let w = this.inflight.get(p);
      if (!w) {
        const gen = this.generation;
        w = this.fetcher(this.query, this.pageSize, p * this.pageSize, this.sort)
          .then((r) => {
            if (gen !== this.generation) return;
            this.total = r.total;
            this.store(p, r.hits);
            this.onChange();
          })
          .finally(() => {
            if (gen === this.generation) this.inflight.delete(p);
          });
        this.inflight.set(p, w);
      }
      waits.push(w);
    }
    return Promise.all(waits).then(() => undefined);
  }

  /** Pages held in memory (for tests and diagnostics). */
  get cachedPages(): number[] {
    return [...this.pages.keys()].sort((a, b) => a - b);
  }

  private touch(p: number) {
    this.order = this.order.filter((x) => x !== p);
    this.order.push(p);
  }

  private store(p: number, hits: Hit[]) {
    this.pages.set(p, hits);
    this.touch(p);
    while (this.order.length > this.maxPages) {
      const old = this.order.shift()!;
      this.pages.delete(old);
    }
  }
}
