// The viewer loads item bytes (page images, the original) only through the URLs the backend
// grants for that item, and renews them before they expire.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { render, waitFor } from '@testing-library/svelte';
import Viewer from '../components/Viewer.svelte';
import { Api } from '../api/client';
import type { ItemUrls } from '../api/backend';
import { fakeBackend } from './fake';

afterEach(() => {
  vi.useRealTimers();
});

describe('Viewer item URLs', () => {
  it('links the original through the granted URL and asks again before it expires', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const { backend } = fakeBackend(10);
    let grants = 0;
    backend.itemUrls = async (id: number): Promise<ItemUrls> => {
      grants += 1;
      const c = `cap${grants}`;
      return { page: (p) => `/api/item/${id}/page/${p}?c=${c}`, original: `/api/item/${id}/original?c=${c}`, expires: Date.now() + 10 * 60_000 };
    };
    const { container } = render(Viewer, { props: { api: new Api(backend), id: 3, tags: [], onopen: () => {}, oncoded: () => {} } });
    const link = () => container.querySelector('a.download')?.getAttribute('href');
    await waitFor(() => expect(link()).toBe('/api/item/3/original?c=cap1'));
    // Nine minutes on (a minute before expiry) the viewer holds fresh URLs.
    await vi.advanceTimersByTimeAsync(9 * 60_000 + 1_000);
    await waitFor(() => expect(link()).toBe('/api/item/3/original?c=cap2'));
    expect(grants).toBe(2);
  });
});
