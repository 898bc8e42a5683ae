/**
 * The Electron shell's trust decisions (src-main/electron/shell-policy.ts, no Electron import): the renderer is
 * served from app://renderer scoped to out/renderer, navigation only to the app's index, IPC only from the app's
 * frames, no remote requests, ELECTRON_RENDERER_URL only when not packaged, and the packaged fuses.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  APP_ORIGIN,
  ELECTRON_FUSES,
  appIndexUrl,
  appRequestPath,
  devRendererUrl,
  isAllowedNavigation,
  isAllowedRequest,
  isTrustedSender,
  originOf,
} from '../../src-main/electron/shell-policy';

const ROOT = path.resolve('/opt/app/out/renderer');

/**
 * The top-level keys of electron-builder.yml: a scalar as its text, a block of `key: true|false` lines as an object of
 * booleans (all this test reads; js-yaml is not a dependency of the project).
 */
function topLevelYaml(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let block: Record<string, boolean> | undefined;
  for (const line of text.split('\n')) {
    if (/^\s*(#|$)/.test(line)) continue;
    const top = /^([A-Za-z][\w]*):\s*(.*)$/.exec(line);
    if (top) {
      block = top[2] === '' ? {} : undefined;
      out[top[1]] = block ?? top[2].trim();
      continue;
    }
    const sub = /^\s+([A-Za-z]\w*):\s*(true|false)\s*$/.exec(line);
    if (block && sub) block[sub[1]] = sub[2] === 'true';
  }
  return out;
}
const DEV = 'http://localhost:5173';

describe('app:// serves out/renderer and nothing else', () => {
  it('maps app URLs inside the folder', () => {
    expect(appIndexUrl('demo')).toBe('app://renderer/index.html#/demo');
    expect(appRequestPath('app://renderer/index.html#/demo', ROOT)).toBe(path.join(ROOT, 'index.html'));
    expect(appRequestPath('app://renderer/', ROOT)).toBe(path.join(ROOT, 'index.html'));
    expect(appRequestPath('app://renderer/assets/index-abc.js?v=1', ROOT)).toBe(path.join(ROOT, 'assets', 'index-abc.js'));
  });

  it('never leaves the folder: dot segments stay inside it', () => {
    // The URL parser resolves dot segments against the root, so these name files inside out/renderer (missing: 404).
    expect(appRequestPath('app://renderer/../main/index.js', ROOT)).toBe(path.join(ROOT, 'main', 'index.js'));
    expect(appRequestPath('app://renderer/%2e%2e/%2e%2e/main/index.js', ROOT)).toBe(path.join(ROOT, 'main', 'index.js'));
  });

  it('refuses encoded separators, NUL, other hosts and other schemes', () => {
    for (const url of [
      'app://renderer/..%2fmain%2findex.js',
      'app://renderer/..%2f..%2f..%2fetc%2fpasswd',
      'app://renderer/assets%5c..%5c..%5cmain.js',
      'app://renderer/a%00.html',
      'app://other/index.html',
      'file:///opt/app/out/renderer/index.html',
      'https://renderer/index.html',
      'not a url',
    ]) {
      expect(appRequestPath(url, ROOT), url).toBeUndefined();
    }
  });
});

describe('navigation, IPC senders and requests', () => {
  it('compares parsed origins, not string prefixes', () => {
    expect(originOf('app://renderer/index.html')).toBe(APP_ORIGIN);
    expect(isTrustedSender('app://renderer/index.html#/projects')).toBe(true);
    expect(isTrustedSender('app://renderer.evil/index.html')).toBe(false);
    expect(isTrustedSender('app://rendererx/index.html')).toBe(false);
    expect(isTrustedSender('file:///opt/app/out/renderer/index.html')).toBe(false);
    expect(isTrustedSender('http://localhost:5173.evil.example/')).toBe(false);
    expect(isTrustedSender('http://localhost:5173@evil.example/', DEV)).toBe(false);
    expect(isTrustedSender('http://localhost:5173/#/demo', DEV)).toBe(true);
    expect(isTrustedSender(null)).toBe(false);
    expect(isTrustedSender('about:blank')).toBe(false);
  });

  it('allows navigation only to the app index', () => {
    expect(isAllowedNavigation('app://renderer/index.html#/projects')).toBe(true);
    expect(isAllowedNavigation('app://renderer/assets/x.js')).toBe(false);
    expect(isAllowedNavigation('file:///opt/app/out/renderer/index.html')).toBe(false);
    expect(isAllowedNavigation('file:///etc/passwd')).toBe(false);
    expect(isAllowedNavigation('https://evil.example/')).toBe(false);
    expect(isAllowedNavigation('http://localhost:5173/#/demo', DEV)).toBe(true);
    expect(isAllowedNavigation('http://localhost:5173/#/demo')).toBe(false);
  });

  it('lets through only the app, data:/blob:, DevTools in development and files of a report being printed', () => {
    expect(isAllowedRequest('app://renderer/assets/a.css')).toBe(true);
    expect(isAllowedRequest('data:image/png;base64,AA==')).toBe(true);
    expect(isAllowedRequest('https://cdn.example/x.js')).toBe(false);
    expect(isAllowedRequest('file:///etc/passwd')).toBe(false);
    expect(isAllowedRequest('file:///tmp/cps-report-1/report.html', { fileRoots: ['/tmp/cps-report-1'] })).toBe(true);
    expect(isAllowedRequest('file:///tmp/cps-report-1/../../etc/passwd', { fileRoots: ['/tmp/cps-report-1'] })).toBe(false);
    expect(isAllowedRequest('file:///tmp/cps-report-10/x.html', { fileRoots: ['/tmp/cps-report-1'] })).toBe(false);
    expect(isAllowedRequest('devtools://devtools/bundled/x.html')).toBe(false);
    expect(isAllowedRequest('devtools://devtools/bundled/x.html', { devTools: true })).toBe(true);
  });

  it('honours ELECTRON_RENDERER_URL only when not packaged, and only for a local http server', () => {
    expect(devRendererUrl({ ELECTRON_RENDERER_URL: 'http://localhost:5173/' }, false)).toBe(DEV);
    expect(devRendererUrl({ ELECTRON_RENDERER_URL: 'http://localhost:5173/' }, true)).toBeUndefined();
    expect(devRendererUrl({ ELECTRON_RENDERER_URL: 'https://evil.example/' }, false)).toBeUndefined();
    expect(devRendererUrl({ ELECTRON_RENDERER_URL: 'file:///tmp/x.html' }, false)).toBeUndefined();
    expect(devRendererUrl({}, false)).toBeUndefined();
  });
});

describe('packaging', () => {
  it('electron-builder sets the fuses (no run-as-node, NODE_OPTIONS, --inspect or file:// privileges; asar only, checked)', () => {
    const config = topLevelYaml(fs.readFileSync(path.resolve(__dirname, '../../build/electron-builder.yml'), 'utf8'));
    expect(config.electronFuses).toEqual({ ...ELECTRON_FUSES });
    expect(config.asar).toBe('true');
    // On: only the two asar fuses; everything else that the policy names is off.
    const on = Object.entries(ELECTRON_FUSES).filter(([, v]) => v).map(([k]) => k);
    expect(on.sort()).toEqual(['enableEmbeddedAsarIntegrityValidation', 'onlyLoadAppFromAsar']);
    expect(Object.keys(ELECTRON_FUSES).sort()).toEqual(
      ['enableEmbeddedAsarIntegrityValidation', 'enableNodeCliInspectArguments', 'enableNodeOptionsEnvironmentVariable', 'grantFileProtocolExtraPrivileges', 'onlyLoadAppFromAsar', 'runAsNode'],
    );
  });
});
