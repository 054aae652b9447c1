// App-wide state shared by the screens (Svelte 5 runes).
import type { Status } from '../api/types';

export type Screen = 'matters' | 'ingest' | 'review' | 'audit' | 'modellogs';

export const app = $state({
  screen: 'matters' as Screen,
  status: null as Status | null,
  /** A one-line message shown in the status bar. */
  notice: '',
  noticeKind: 'info' as 'info' | 'error',
});

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
