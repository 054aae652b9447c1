import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

const isTest = !!(globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env.VITEST;

export default defineConfig({
  plugins: [svelte()],
  // Relative asset URLs: the same build is served by `exhibit serve` and embedded in the
  // desktop shell. No inline scripts are emitted (the CSP forbids inline script).
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    setupFiles: ['src/tests/setup.ts'],
    globals: true,
  },
  // Svelte's client build (not its server build) under Vitest.
  resolve: isTest ? { conditions: ['browser'] } : undefined,
});
