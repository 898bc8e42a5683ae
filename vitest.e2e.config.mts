import { defineConfig } from 'vitest/config';

/**
 * Browser end-to-end tests: the built renderer (out/renderer) in Debian's Chromium, driven by playwright-core,
 * served by the real studio server (the browser shell, test/e2e/harness.ts). Run after `electron-vite build`.
 * One browser at a time: files run one after another in a single fork.
 */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    environment: 'node',
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
    // What a poll waits for can take several round trips to the server (the in-app file dialog: places, listing,
    // typed folder, listing, choice), more than the default second on a busy machine.
    expect: { poll: { timeout: 15_000 } },
  },
});
