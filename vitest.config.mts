import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { alias: { '@contract': resolve(__dirname, 'src-main/ipc/contract.ts') } },
  test: {
    // test/renderer: the renderer's plain TypeScript logic (no DOM, no Vue runtime).
    include: ['test/unit/**/*.test.ts', 'test/renderer/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
