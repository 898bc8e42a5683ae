import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import vue from '@vitejs/plugin-vue';

/**
 * One build for everything that ships:
 *   out/main/index.js     Electron main process
 *   out/main/cli.js       the `mtcgcnn` CLI (plain Node, never imports electron)
 *   out/main/*-worker.js  worker-thread entries for long jobs
 *   out/preload/index.js  CommonJS preload (so the renderer can stay sandboxed)
 *   out/renderer/         the Vue app
 */
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src-main/electron/main.ts'),
          cli: resolve(__dirname, 'src-main/cli/index.ts'),
          'featurize-worker': resolve(__dirname, 'src-main/core/featurize/featurize-worker.ts'),
          'train-worker': resolve(__dirname, 'src-main/core/train/train-worker.ts'),
          'gradient-worker': resolve(__dirname, 'src-main/core/train/gradient-worker.ts'),
        },
        output: {
          format: 'cjs',
          entryFileNames: '[name].js',
          chunkFileNames: 'chunks/[name]-[hash].js',
          banner: (chunk) => (chunk.name === 'cli' ? '#!/usr/bin/env node' : ''),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve(__dirname, 'src-preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].js' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src-renderer'),
    plugins: [vue()],
    resolve: { alias: { '@contract': resolve(__dirname, 'src-shared/contract/index.ts') } },
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      // 3Dmol (~800 KB) and ECharts (~750 KB) are lazy chunks loaded by the views that need them.
      chunkSizeWarningLimit: 1200,
      rollupOptions: {
        input: resolve(__dirname, 'src-renderer/index.html'),
        // 3Dmol's only eval turns py3Dmol's string callbacks into functions; the app passes functions (the CSP
        // forbids eval anyway).
        onwarn(warning, warn) {
          if (warning.code === 'EVAL' && warning.id?.includes('3dmol')) return;
          warn(warning);
        },
      },
    },
  },
});
