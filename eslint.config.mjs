// Lint rules, including the architecture rules that keep Electron and Node where they belong.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import vueParser from 'vue-eslint-parser';
import globals from 'globals';

const nodeBuiltins = ['fs', 'path', 'os', 'child_process', 'worker_threads', 'crypto', 'http', 'net', 'url', 'util', 'stream', 'zlib'];

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', '.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // The ML core, the app handlers, the IPC layer and the CLI run in plain Node (tests, CLI, workers).
    files: ['src-main/core/**', 'src-main/services/**', 'src-main/app/**', 'src-main/ipc/**', 'src-main/cli/**', 'test/**', 'bench/**', 'scripts/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'Only src-main/electron and src-preload may import electron.' }] }],
    },
  },
  {
    // The ML core is the bottom layer: it must not depend on the app, the IPC layer, the CLI or Electron.
    files: ['src-main/core/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'Only src-main/electron and src-preload may import electron.' }],
          patterns: [
            {
              group: ['**/app', '**/app/**', '**/ipc', '**/ipc/**', '**/cli', '**/cli/**', '**/electron', '**/electron/**', '**/src-renderer/**', '**/src-preload/**'],
              message: 'src-main/core must not import from app, ipc, cli or electron: move the code into core or inject it.',
            },
          ],
        },
      ],
    },
  },
  {
    // Services are shared by both shells (the desktop app's handlers and the CLI): core below them, neither shell
    // above them. The CLI uses core and services, never the desktop app's modules.
    files: ['src-main/services/**', 'src-main/cli/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'Only src-main/electron and src-preload may import electron.' }],
          patterns: [
            {
              group: ['**/app', '**/app/**', '**/electron', '**/electron/**', '**/src-renderer/**', '**/src-preload/**'],
              message: 'services and the CLI must not import the desktop app (src-main/app) or Electron: move shared code into src-main/services.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src-main/services/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'Only src-main/electron and src-preload may import electron.' }],
          patterns: [
            {
              group: ['**/app', '**/app/**', '**/cli', '**/cli/**', '**/electron', '**/electron/**', '**/src-renderer/**', '**/src-preload/**'],
              message: 'src-main/services sits below both shells: no imports from app, cli or electron.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src-renderer/**/*.{ts,vue}'],
    languageOptions: {
      parser: vueParser,
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], sourceType: 'module' },
      globals: { ...globals.browser },
    },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['electron', ...nodeBuiltins, ...nodeBuiltins.map((m) => `node:${m}`)].map((name) => ({
            name,
            message: 'The renderer talks to the system only through the IPC client.',
          })),
        },
      ],
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
    },
  },
  {
    // Shared with the renderer: no Node or Electron, and from outside src-main/ipc only types (import type) of
    // modules without Node imports (the renderer's typecheck, tsconfig.web.json, fails on anything else), plus the
    // values of the training settings' home (core/train/settings.ts, which imports nothing).
    files: ['src-main/ipc/contract.ts'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'electron'], message: 'contract.ts is shared with the renderer: no Node or Electron.' },
            {
              regex: '^\\.\\./(?!core/train/settings$)',
              allowTypeImports: true,
              message: 'contract.ts may only `import type` from outside src-main/ipc (values: only core/train/settings).',
            },
          ],
        },
      ],
    },
  },
  {
    // The core modules the renderer uses (types through the IPC contract, formatBytes directly): no Node built-ins.
    files: [
      'src-main/core/dataset/validation-types.ts',
      'src-main/core/dataset/id-prop.ts',
      'src-main/core/train/epoch-record.ts',
      'src-main/core/train/settings.ts',
      'src-main/core/catalogue/format-bytes.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.flatMap((m) => [m, `node:${m}`]).map((name) => ({ name, message: 'The renderer uses this module: no Node APIs.' })),
          patterns: [{ group: ['node:*', 'electron'], message: 'The renderer uses this module: no Node APIs.' }],
        },
      ],
    },
  },
);
