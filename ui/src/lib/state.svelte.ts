// App-wide state shared by the screens (Svelte 5 runes).
import type { Status, Summary } from '../api/types';

export type Screen = 'matters' | 'ingest' | 'review' | 'production' | 'exposure' | 'audit' | 'modellogs';

export const app = $state({
  screen: 'matters' as Screen,
  /** The open matter (name and size), for the top bar. */
  matter: null as Summary | null,
  /** Its full counts, for the Matters screen: computed over every item, so fetched only there. */
  status: null as Status | null,
  /** A one-line message shown in the status bar. */
  notice: '',
  noticeKind: 'info' as 'info' | 'error',
  /** A query another screen hands to Review (run once when Review opens, then cleared). */
  reviewQuery: '',
});

/** Opens Review running `query` (the Exposure screen's figures open the documents behind them). */
export function openInReview(query: string) {
  app.reviewQuery = query;
  app.screen = 'review';
}

/** Records a freshly computed full status (after opening, creating or ingesting). */
export function setStatus(s: Status) {
  app.status = s;
  app.matter = { matter: s.matter, name: s.name, items: s.items };
}

export function notify(message: string, kind: 'info' | 'error' = 'info') {
  app.notice = message;
  app.noticeKind = kind;
}

const RECENT = 'exhibit-recent-matters';

export function recentMatters(storage: Storage = localStorage): string[] {
  try {
    const v = JSON.parse(storage.getItem(RECENT) ?? '[]');
    return Array.isArray(v) ? v.filter((x) => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

export function rememberMatter(dir: string, storage: Storage = localStorage) {
  const list = [dir, ...recentMatters(storage).filter((d) => d !== dir)].slice(0, 8);
  storage.setItem(RECENT, JSON.stringify(list));
}
