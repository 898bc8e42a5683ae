// The browser shell's server: its door (token cookie, Host, Origin, body size, static confinement) and its calls and
// event stream, over real HTTP on 127.0.0.1 (node:http, so Host, Origin and raw paths go out exactly as written).
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStudioServer, StudioConfigError, type StudioServer } from '../../src-main/studio/server';
import { runCli } from '../../src-main/cli/index';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let tmp: string;
let renderer: string;
let studio: StudioServer;
let cookie: string;
let previousHome: string | undefined;

function request(pathname: string, opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer; readMs?: number } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: studio.port, path: pathname, method: opts.method ?? 'GET', headers: { Host: `127.0.0.1:${studio.port}`, ...opts.headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      // Event streams never end: read for a while, then hang up.
      if (opts.readMs !== undefined) setTimeout(() => (res.destroy(), resolve({ status: res.statusCode ?? 0, headers: res.headers, body })), opts.readMs);
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.end(opts.body);
    else req.end();
  });
}

const origin = (): string => `http://127.0.0.1:${studio.port}`;
const call = (channel: string, argument?: unknown, headers: Record<string, string> = {}): Promise<Reply> =>
  request('/api/call', { method: 'POST', headers: { Cookie: cookie, Origin: origin(), 'Content-Type': 'application/json', ...headers }, body: JSON.stringify({ channel, argument }) });

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cps-studio-'));
  previousHome = process.env.MTCGCNN_HOME;
  process.env.MTCGCNN_HOME = path.join(tmp, 'home');
  renderer = path.join(tmp, 'renderer');
  fs.mkdirSync(path.join(renderer, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>app</title>');
  fs.writeFileSync(path.join(renderer, 'assets', 'app.js'), 'console.log(1)');
  fs.writeFileSync(path.join(tmp, 'secret.txt'), 'SECRET');
  fs.mkdirSync(path.join(tmp, 'outside'));
  fs.writeFileSync(path.join(tmp, 'outside', 'secret.js'), 'SECRET');
  fs.symlinkSync(path.join(tmp, 'secret.txt'), path.join(renderer, 'assets', 'link.txt'));
  fs.symlinkSync(path.join(tmp, 'outside'), path.join(renderer, 'linked-dir'));
  studio = await startStudioServer({ rendererDir: renderer, log: () => {} });
  const exchange = await request(`/?token=${studio.token}`);
  cookie = String(exchange.headers['set-cookie']?.[0] ?? '').split(';')[0];
});

afterAll(async () => {
  await studio?.close();
  if (previousHome === undefined) delete process.env.MTCGCNN_HOME;
  else process.env.MTCGCNN_HOME = previousHome;
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('studio server: the token', () => {
  it('prints a loopback URL with a 256-bit token', () => {
    expect(studio.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${studio.port}/\\?token=[0-9a-f]{64}$`));
  });

  it('exchanges the token for an HttpOnly, SameSite=Strict cookie and redirects to a URL without it', async () => {
    const r = await request(`/?token=${studio.token}`);
    expect(r.status).toBe(302);
    expect(r.headers.location).not.toContain(studio.token);
    expect(r.headers.location).toMatch(/^\/#\/(demo|projects)$/);
    const set = String(r.headers['set-cookie']);
    expect(set).toContain(`=${studio.token}`);
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
  });

  it('refuses every request without the cookie (page, call and stream) and a wrong token', async () => {
    expect((await request('/')).status).toBe(401);
    expect((await request('/index.html')).status).toBe(401);
    expect((await call('app:echo', { text: 'x' }, { Cookie: '' })).status).toBe(401);
    expect((await request('/api/events', { headers: { Origin: origin() } })).status).toBe(401);
    expect((await request(`/?token=${'0'.repeat(64)}`)).status).toBe(403);
    expect((await request('/index.html', { headers: { Cookie: `${cookie.split('=')[0]}=${'0'.repeat(64)}` } })).status).toBe(401);
  });

  it('serves the page with the cookie, with the app CSP and no CORS header', async () => {
    const r = await request('/index.html', { headers: { Cookie: cookie } });
    expect(r.status).toBe(200);
    expect(r.body).toContain('<title>app</title>');
    expect(r.headers['content-security-policy']).toContain("default-src 'self'");
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('studio server: Host and Origin', () => {
  it('refuses a Host header that is not the served loopback name and port (DNS rebinding)', async () => {
    for (const host of ['evil.example', `evil.example:${studio.port}`, '127.0.0.1:1', `127.0.0.2:${studio.port}`]) {
      expect((await request('/index.html', { headers: { Cookie: cookie, Host: host } })).status, host).toBe(403);
    }
    expect((await request('/index.html', { headers: { Cookie: cookie, Host: `localhost:${studio.port}` } })).status).toBe(200);
  });

  it('refuses cross-origin calls, and calls without an Origin', async () => {
    expect((await call('app:echo', { text: 'x' }, { Origin: 'http://evil.example' })).status).toBe(403);
    expect((await call('app:echo', { text: 'x' }, { Origin: `http://localhost:${studio.port}` })).status).toBe(403);
    expect((await call('app:echo', { text: 'x' }, { Origin: 'null' })).status).toBe(403);
    const noOrigin = await request('/api/call', { method: 'POST', headers: { Cookie: cookie, 'Content-Type': 'application/json' }, body: '{"channel":"app:echo","argument":{"text":"x"}}' });
    expect(noOrigin.status).toBe(403);
    expect((await call('app:echo', { text: 'x' }, { 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
  });

  it('refuses a cross-origin event stream', async () => {
    expect((await request('/api/events', { headers: { Cookie: cookie, Origin: 'http://evil.example' }, readMs: 300 })).status).toBe(403);
    expect((await request('/api/events', { headers: { Cookie: cookie, 'Sec-Fetch-Site': 'cross-site' }, readMs: 300 })).status).toBe(403);
  });

  it('refuses a body that is not JSON by content type (no simple cross-site form posts)', async () => {
    expect((await call('app:echo', { text: 'x' }, { 'Content-Type': 'text/plain' })).status).toBe(415);
  });
});

describe('studio server: bounded bodies and confined static files', () => {
  it('refuses a request body larger than the limit', async () => {
    const big = Buffer.alloc(64 * 1024 * 1024 + 1024, 0x20);
    const streamed = await request('/api/call', { method: 'POST', headers: { Cookie: cookie, Origin: origin(), 'Content-Type': 'application/json' }, body: big });
    expect(streamed.status).toBe(413);
  });

  it('serves nothing outside the renderer folder: .., %2e%2e, backslashes, symlinks to files and folders', async () => {
    const paths = [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/%2E%2E/%2e%2e/secret.txt',
      '/assets%2f..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/assets/link.txt',
      '/linked-dir/secret.js',
      '/%00index.html',
    ];
    for (const p of paths) {
      const r = await request(p, { headers: { Cookie: cookie } });
      expect(r.status, p).toBe(404);
      expect(r.body, p).not.toContain('SECRET');
    }
    expect((await request('/assets/app.js', { headers: { Cookie: cookie } })).status).toBe(200);
  });
});

describe('studio server: calls and events', () => {
  it('runs calls through the contract: values, and typed errors for bad arguments and unknown channels', async () => {
    expect(JSON.parse((await call('app:echo', { text: 'hello' })).body)).toMatchObject({ ok: true, value: { text: 'hello' } });
    expect(JSON.parse((await call('app:echo', { text: 42 })).body)).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    expect(JSON.parse((await call('fs:readFile', { path: '/etc/passwd' })).body)).toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
  });

  it('sends every event to every open stream (several tabs see the same jobs)', async () => {
    const tabs = [0, 1].map(() => request('/api/events', { headers: { Cookie: cookie, Origin: origin() }, readMs: 1500 }));
    await new Promise((r) => setTimeout(r, 300));
    const summary = await call('dataset:validation', { jobId: 'nope' });
    expect(JSON.parse(summary.body)).toMatchObject({ ok: false });
    studio.jobs.start('validate', 'files', async () => 'finished');
    for (const tab of await Promise.all(tabs)) {
      expect(tab.status).toBe(200);
      expect(tab.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(tab.body).toMatch(/event: job:progress\ndata: \{[^\n]*"state":"done"/);
    }
  });

  it('lists folders for the in-app file browser, with matching files only', async () => {
    fs.mkdirSync(path.join(tmp, 'browse', 'sub'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'browse', 'a.cif'), 'x');
    fs.writeFileSync(path.join(tmp, 'browse', 'b.txt'), 'x');
    fs.writeFileSync(path.join(tmp, 'browse', '.hidden.cif'), 'x');
    const listed = JSON.parse((await call('fs:list', { path: path.join(tmp, 'browse'), showHidden: false, extensions: ['cif'] })).body);
    expect(listed).toMatchObject({ ok: true, value: { path: path.join(tmp, 'browse'), parent: tmp, folders: [{ name: 'sub' }], files: [{ name: 'a.cif', sizeBytes: 1 }] } });
    const hidden = JSON.parse((await call('fs:list', { path: path.join(tmp, 'browse'), showHidden: true })).body);
    expect(hidden.value.files.map((f: { name: string }) => f.name)).toEqual(['.hidden.cif', 'a.cif', 'b.txt']);
    expect(JSON.parse((await call('fs:list', { path: 'relative/dir', showHidden: false })).body)).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    expect(JSON.parse((await call('fs:list', { path: path.join(tmp, 'nope'), showHidden: false })).body)).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });
});

describe('studio server: where it listens', () => {
  it('refuses a non-loopback host without allowRemote, in the API and in `mtcgcnn studio`', async () => {
    await expect(startStudioServer({ rendererDir: renderer, host: '0.0.0.0' })).rejects.toBeInstanceOf(StudioConfigError);
    const err: string[] = [];
    const out: string[] = [];
    const code = await runCli(['studio', '--host', '0.0.0.0', '--no-open'], { out: (l) => out.push(l), err: (l) => err.push(l), progress: () => {}, isTty: false });
    expect(code).toBe(2);
    expect(out).toEqual([]);
    expect(err.join('\n')).toMatch(/refusing --host 0\.0\.0\.0 without --allow-remote/);
  });
});
