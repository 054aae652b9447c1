// How a component deep in the viewer opens a link outside the app without taking the backend
// as a prop: App.svelte puts the backend's `openExternal` in the Svelte context under this key.
import { getContext, setContext } from 'svelte';

export type OpenExternal = (url: string) => Promise<void>;

export interface External {
  open: OpenExternal;
  /** The desktop shell (system browser) rather than a browser tab. */
  desktop: boolean;
}

const KEY = Symbol('open-external');

export function provideExternal(external: External) {
  setContext(KEY, external);
}

/** The app's way out; absent (tests, stories) means links are shown but cannot be opened. */
export function useExternal(): External | undefined {
  return getContext<External | undefined>(KEY);
}

export const EXTERNAL_KEY = KEY;
