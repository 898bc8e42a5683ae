/**
 * The app shell in Chromium against the real main-process handlers: status bar via app:info, About / System,
 * the app:echo round trip, bad IPC calls, job progress events, the theme toggle and the smallest window.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { describeBackend, type BackendDescription } from '../../src-main/services/backend-summary';
import { CONTENT_SECURITY_POLICY } from '../../src-main/app/csp';
import { APP_VERSION } from '../../src-main/services/version';
import { RENDERER_DIR, startApp, type AppHarness } from './harness';
import type { PageWindow } from './page-types';

let app: AppHarness;
let backend: BackendDescription;

const byTestId = (id: string) => app.page.locator(`[data-testid="${id}"]`);

beforeAll(async () => {
  backend = await describeBackend();
  app = await startApp();
});

afterEach(() => {
  // Console errors, page errors, CSP violations, blocked external requests and main-side handler crashes.
  expect(app.takeProblems()).toEqual([]);
});

afterAll(async () => {
  await app?.close();
});

describe('app shell', () => {
  it('ships the CSP as a meta tag equal to the header policy (minus header-only directives)', () => {
    const html = fs.readFileSync(path.join(RENDERER_DIR, 'index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBeDefined();
    const directives = (policy: string) =>
      policy
        .split(';')
        .map((d) => d.trim().replace(/\s+/g, ' '))
        .filter((d) => d && !d.startsWith('frame-ancestors'));
    expect(directives(meta!)).toEqual(directives(CONTENT_SECURITY_POLICY));
  });

  it('shows the compute backend and version that came back through app:info', async () => {
    await app.open();
    const status = byTestId('status-backend');
    await expect.poll(() => status.getAttribute('data-backend'), { timeout: 60_000 }).toBe(backend.name);
    expect((await status.textContent())?.trim()).toBe(backend.name);
    // Why the native backend is not in use and how to get it: a marker, the tooltip, and About on click.
    const title = (await byTestId('status-backend-item').getAttribute('title')) ?? '';
    expect(title).toContain(backend.description);
    if (backend.fallbackReason) {
      expect(await byTestId('status-backend-fallback').isVisible()).toBe(true);
      expect(title).toContain(`Why not native TensorFlow: ${backend.fallbackReason}`);
      expect(title).toContain(`How to get it: ${backend.howToGetGpu.replace(/`/g, '')}`);
    } else expect(await byTestId('status-backend-fallback').count()).toBe(0);
    expect(await byTestId('status-version').textContent()).toBe(`v${APP_VERSION}`);
    expect(await byTestId('status-jobs').textContent()).toContain('No jobs running');
    // The default section is Projects, shown in the rail, the header and the view title.
    expect(await byTestId('nav-projects').getAttribute('aria-current')).toBe('page');
    expect(await byTestId('view-title').textContent()).toBe('Projects');
    expect(await byTestId('header-section').textContent()).toBe('Projects');
    await app.screenshot('shell-light');
  });

  it('the harness notices CSP violations and console errors (self-check of the problem collector)', async () => {
    await app.page.evaluate(async () => {
      const w = globalThis as unknown as PageWindow & {
        document: { createElement(tag: string): { textContent: string }; head: { append(el: object): void } };
        fetch(url: string): Promise<unknown>;
        console: { error(m: string): void };
      };
      const inline = w.document.createElement('script');
      inline.textContent = 'void 0';
      w.document.head.append(inline);
      await w.fetch('https://example.com/data.json').catch(() => undefined);
      w.console.error('deliberate console error');
      await new Promise((resolve) => w.setTimeout(() => resolve(undefined), 200));
    });
    const problems = app.takeProblems().join('\n');
    expect(problems).toContain('CSP violation: script-src');
    expect(problems).toContain('CSP violation: connect-src');
    expect(problems).toContain('deliberate console error');
  });

  it('navigates the rail: every section has its view, title and URL', async () => {
    const sections: [string, string][] = [
      ['demo', 'Demo'],
      ['projects', 'Projects'],
      ['datasets', 'Datasets'],
      ['structures', 'Structures'],
      ['train', 'Train'],
      ['results', 'Results'],
      ['screening', 'Screening'],
      ['reports', 'Reports'],
    ];
    for (const [id, label] of sections) {
      await byTestId(`nav-${id}`).click();
      await expect.poll(() => app.page.url()).toContain(`#/${id}`);
      await expect.poll(() => byTestId('view-title').textContent()).toBe(label);
      expect(await byTestId(`nav-${id}`).getAttribute('aria-current')).toBe('page');
      expect(await byTestId('header-section').textContent()).toBe(label);
    }
    await app.screenshot('rail-reports');
  });

  it('About / System shows app:info in full', async () => {
    await byTestId('nav-about').click();
    await byTestId('backend-panel').waitFor();
    expect(await byTestId('about-backend-name').textContent()).toBe(backend.name);
    expect(await byTestId('about-backend-description').textContent()).toBe(backend.description);
    if (backend.fallbackReason) expect(await byTestId('about-fallback-reason').textContent()).toContain(backend.fallbackReason.slice(0, 40));
    else expect(await byTestId('about-fallback-reason').count()).toBe(0);
    if (backend.name !== 'tensorflow-gpu') {
      // Backticked parts render as <code>; compare the text without them.
      expect(await byTestId('about-how-to-gpu').textContent()).toContain(backend.howToGetGpu.replace(/`/g, '').slice(0, 60));
    }
    expect(await byTestId('about-app-version').textContent()).toBe(APP_VERSION);
    expect(await byTestId('about-cpu-count').textContent()).toBe(String(os.cpus().length));
    expect(await byTestId('about-projects-dir').textContent()).toBe(path.join(app.home, 'projects'));
    const versions = await byTestId('about-versions').textContent();
    expect(versions).toContain(process.versions.node);
    for (const v of Object.values(backend.versions)) expect(versions).toContain(v);
  });

  it('IPC check: app:echo round trip through the UI', async () => {
    const text = 'Fe2O3 · LiFePO4 ✓ 42';
    const before = Date.now();
    await byTestId('echo-input').fill(text);
    await byTestId('echo-send').click();
    await byTestId('echo-result').waitFor();
    const after = Date.now();
    expect(await byTestId('echo-answer').textContent()).toBe(text);
    const iso = await byTestId('echo-received').getAttribute('data-iso');
    const seen = Date.parse(iso ?? '');
    expect(seen).toBeGreaterThanOrEqual(before - 5);
    expect(seen).toBeLessThanOrEqual(after + 5);
    expect(await byTestId('echo-roundtrip').textContent()).toMatch(/^\d+(\.\d)? ms$/);
    await app.screenshot('about');
  });

  it('bad IPC calls come back as typed errors, not crashes', async () => {
    // Deliberately outside the typed client, from the page, like a compromised or buggy renderer would call it.
    const results = {
      wrongType: await app.invokeFromPage('app:echo', { text: 42 }),
      extraField: await app.invokeFromPage('project:open', { dir: '/tmp', recursive: true }),
      argForNoArgCall: await app.invokeFromPage('app:info', { verbose: true }),
      unknownChannel: await app.invokeFromPage('fs:readFile', { path: '/etc/passwd' }),
      httpLink: await app.invokeFromPage('app:open-external', { url: 'http://example.com' }),
      stillWorks: await app.invokeFromPage('app:echo', { text: 'ok' }),
    };
    expect(results.wrongType).toEqual({ ok: false, error: { code: 'invalid-argument', message: expect.stringContaining('text must be a string') } });
    expect(results.extraField).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    expect(results.argForNoArgCall).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    expect(results.unknownChannel).toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
    expect(results.httpLink).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    expect(results.stillWorks).toMatchObject({ ok: true, value: { text: 'ok' } });
    expect(app.openedUrls).toEqual([]);
  });

  it('job:progress events from main reach the status bar; job:cancel stops the job', async () => {
    let release!: () => void;
    const jobId = app.jobs.start('featurize', 'CIF files', async (signal, report) => {
      report({ done: 3, total: 10 });
      await new Promise<void>((resolve) => {
        release = resolve;
        signal.addEventListener('abort', () => resolve());
      });
    });
    await expect.poll(() => byTestId('status-jobs').textContent()).toContain('featurize 3/10 CIF files (30%)');

    const cancelled = await app.invokeFromPage('job:cancel', { jobId });
    expect(cancelled).toEqual({ ok: true, value: { cancelled: true } });
    await expect.poll(() => byTestId('status-jobs').textContent()).toContain('No jobs running');
    release();
    await app.eventsDelivered();
    const list = await app.invokeFromPage('job:list');
    expect(list).toMatchObject({ ok: true, value: [{ jobId, state: 'cancelled', done: 3, total: 10 }] });
    expect(app.emitted.filter((e) => e.event === 'job:progress').map((e) => (e.payload as { state: string }).state)).toEqual([
      'running',
      'running',
      'cancelled',
    ]);
  });

  it('toggles dark mode and remembers it across a reload', async () => {
    const bodyBackground = () => app.page.evaluate(() => {
      const w = globalThis as unknown as PageWindow;
      return w.getComputedStyle(w.document.body).backgroundColor;
    });
    await byTestId('nav-datasets').click();
    expect(await app.page.getAttribute('html', 'data-theme')).toBe('light');
    const light = await bodyBackground();

    await byTestId('theme-toggle').click();
    expect(await app.page.getAttribute('html', 'data-theme')).toBe('dark');
    expect(await bodyBackground()).not.toBe(light);
    expect(await app.page.evaluate(() => (globalThis as unknown as PageWindow).localStorage.getItem('cps.theme'))).toBe('dark');

    await app.page.reload();
    await byTestId('status-bar').waitFor();
    expect(await app.page.getAttribute('html', 'data-theme')).toBe('dark');
    await expect.poll(() => byTestId('status-backend').getAttribute('data-backend'), { timeout: 60_000 }).toBe(backend.name);
    await app.screenshot('shell-dark');
  });

  it('the smallest window Electron allows (960x640): no view overflows sideways', async () => {
    await app.page.setViewportSize({ width: 960, height: 640 });
    for (const id of ['demo', 'projects', 'datasets', 'structures', 'train', 'results', 'screening', 'reports', 'about']) {
      await byTestId(`nav-${id}`).click();
      await expect.poll(() => byTestId('view-title').textContent()).not.toBe('');
      const overflow = await app.page.evaluate(() => {
        const main = (globalThis as unknown as PageWindow).document.querySelector('main') as { scrollWidth: number; clientWidth: number };
        return main.scrollWidth - main.clientWidth;
      });
      expect(overflow, id).toBeLessThanOrEqual(0);
    }
    await byTestId('nav-datasets').click();
    await app.screenshot('datasets-min-window');
    await app.page.setViewportSize({ width: 1400, height: 900 });
  });
});
