/**
 * The browser shell's server, in plain Node (no Electron): serves the built renderer and runs the SAME handlers
 * and dispatcher as Electron's main process (createHandlers / createDispatcher), with the same JobManager, so long
 * work still runs in worker threads.
 *
 *   POST /api/call     {channel, argument} -> the dispatcher's IpcResult (validated by the contract's guards)
 *   GET  /api/events   Server-Sent Events: job:progress, project:changed, app:log, to every open tab
 *   GET  /...          files of the built renderer (out/renderer), with the app's Content-Security-Policy
 *
 * Security (see docs/studio.md): loopback only unless allowRemote; a 256-bit token in the printed URL is exchanged
 * for an HttpOnly SameSite=Strict cookie, and every request without it is refused; the Host header must name the
 * server (DNS rebinding); calls and the stream must come from the server's own origin; no CORS headers; request
 * bodies are bounded; static files never leave the renderer folder.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CONTENT_SECURITY_POLICY } from '../app/csp';
import { createHandlers, type AppContext } from '../app/handlers';
import { describeBackend } from '../services/backend-summary';
import { JobManager } from '../app/jobs';
import { startSection } from '../app/start-section';
import { createDispatcher, UserFacingError, type Dispatch, type EventSink } from '../ipc/dispatcher';
import { printHtmlToPdf, NoChromiumError, PdfPrintError } from '../core/report/pdf';
import { cookieToken, hostAllowed, loopbackHosts, newToken, originAllowed, sessionCookie, tokenMatches, type AccessPolicy } from './access';
import { EventStreams } from './event-stream';
import { resolveStaticFile, sendFile } from './static-files';
import { openInSystem } from './open-browser';

/** Largest request body accepted (a CSV export of 5 million chosen rows is about 40 MB of JSON). */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '::1'];

export interface StudioOptions {
  /** Built renderer folder (index.html and assets). */
  rendererDir: string;
  /** TCP port; 0 picks a free one. Default 0. */
  port?: number;
  /** Interface to listen on. Default 127.0.0.1; anything else needs allowRemote. */
  host?: string;
  /** Accept a non-loopback host (and any Host header). The token still guards every request. */
  allowRemote?: boolean;
  maxBodyBytes?: number;
  /** Replaces the system's link opener and PDF printer (tests record instead). */
  context?: Partial<Pick<AppContext, 'openExternal' | 'printToPdf'>>;
  /** Where main-side problems are logged (default stderr). */
  log?: (line: string) => void;
  /** Also receives every event sent to the pages, in order (the e2e harness records them). */
  observe?: EventSink;
}

export interface StudioServer {
  /** The URL to open: origin, start section and the token (exchanged for a cookie on the first request). */
  url: string;
  origin: string;
  port: number;
  token: string;
  /** The job registry behind job:list / job:cancel. */
  jobs: JobManager;
  dispatch: Dispatch;
  /** Cancels running jobs (training checkpoints, screening flushes), waits for them, then stops serving. */
  close(): Promise<void>;
}

/** Refused configuration (e.g. a remote host without allowRemote): nothing was started. */
export class StudioConfigError extends Error {
  override readonly name = 'StudioConfigError';
}

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_NAMES.includes(host.toLowerCase().replace(/^\[|\]$/g, ''));
}

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

function refuse(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' }).end(`${message}\n`);
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) return reject(new BodyTooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The studio's AppContext: the same as Electron's, with the browser's in-app dialogs and the system Chromium printer. */
function studioContext(events: EventSink, options: StudioOptions): AppContext {
  const inPage = async (): Promise<never> => {
    throw new UserFacingError('In the browser the page chooses files with its own file browser.', 'failed');
  };
  return {
    backend: describeBackend,
    events,
    openExternal: options.context?.openExternal ?? (async (url) => openInSystem(url)),
    chooseFolder: inPage,
    chooseFile: inPage,
    chooseSaveFile: inPage,
    printToPdf:
      options.context?.printToPdf ??
      (async (html, outFile) => {
        try {
          return { bytes: (await printHtmlToPdf(html, outFile)).bytes };
        } catch (err) {
          if (err instanceof NoChromiumError || err instanceof PdfPrintError) throw new UserFacingError(err.message, 'failed');
          throw err;
        }
      }),
    savesInPage: true,
  };
}

export async function startStudioServer(options: StudioOptions): Promise<StudioServer> {
  const host = options.host ?? '127.0.0.1';
  const remote = !isLoopbackHost(host);
  if (remote && !options.allowRemote) {
    throw new StudioConfigError(`refusing to listen on ${host}: the studio opens your files to whoever reaches it. Add --allow-remote to do it anyway, or use an SSH tunnel (ssh -L PORT:127.0.0.1:PORT).`);
  }
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const limit = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const streams = new EventStreams();
  const observe = options.observe;
  const events: EventSink = observe
    ? {
        emit(event, payload) {
          observe.emit(event, payload);
          streams.emit(event, payload);
        },
      }
    : streams;
  const jobs = new JobManager(events);
  const dispatch = createDispatcher(createHandlers(studioContext(events, options), jobs), log);
  const token = newToken();
  const policy: AccessPolicy = { port: 0, token, hosts: [] };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!hostAllowed(req, policy)) return refuse(res, 403, 'Host header not accepted: open the studio by the address it printed.');
    const url = new URL(req.url ?? '/', 'http://studio.invalid');
    const rawPath = (req.url ?? '/').split('?')[0];
    const presented = url.searchParams.get('token');
    if (presented !== null) {
      if (!tokenMatches(presented, token)) return refuse(res, 403, 'Wrong token: open the URL mtcgcnn studio printed.');
      url.searchParams.delete('token');
      const section = rawPath === '/' ? `#/${await startSection()}` : '';
      res.writeHead(302, { ...SECURITY_HEADERS, 'Set-Cookie': sessionCookie(policy.port, token), Location: `${rawPath}${url.search}${section}` }).end();
      return;
    }
    if (!tokenMatches(cookieToken(req, policy.port), token)) {
      return refuse(res, 401, 'Not signed in: open the URL with the token that mtcgcnn studio printed (run it again to see it).');
    }

    if (rawPath === '/api/call') {
      if (req.method !== 'POST') return refuse(res, 405, 'POST only.');
      if (!originAllowed(req, true)) return refuse(res, 403, 'Cross-origin call refused.');
      if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return refuse(res, 415, 'Content-Type must be application/json.');
      let body: string;
      try {
        body = await readBody(req, limit);
      } catch (err) {
        if (err instanceof BodyTooLarge) {
          res.setHeader('Connection', 'close');
          return refuse(res, 413, `Request body larger than ${limit} bytes refused.`);
        }
        throw err;
      }
      let message: { channel?: unknown; argument?: unknown };
      try {
        message = JSON.parse(body) as typeof message;
      } catch {
        return refuse(res, 400, 'The body is not JSON.');
      }
      if (typeof message !== 'object' || message === null) return refuse(res, 400, 'The body must be {channel, argument}.');
      const result = await dispatch(message.channel, message.argument);
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(result));
      return;
    }
    if (rawPath === '/api/events') {
      if (req.method !== 'GET') return refuse(res, 405, 'GET only.');
      if (!originAllowed(req, false)) return refuse(res, 403, 'Cross-origin event stream refused.');
      streams.attach(res, SECURITY_HEADERS);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'GET only.');
    if (!originAllowed(req, false)) return refuse(res, 403, 'Cross-origin request refused.');
    const file = await resolveStaticFile(options.rendererDir, rawPath);
    if (!file) return refuse(res, 404, 'Not found.');
    sendFile(res, file, SECURITY_HEADERS, req.method === 'HEAD');
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(`studio: ${req.method} ${req.url?.split('?')[0]} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      if (!res.headersSent) refuse(res, 500, 'Internal error.');
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host === 'localhost' ? '127.0.0.1' : host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  policy.port = port;
  policy.hosts = remote ? null : loopbackHosts(port);
  const urlHost = remote ? (host.includes(':') ? `[${host}]` : host) : '127.0.0.1';
  const origin = `http://${urlHost}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    token,
    jobs,
    dispatch,
    close: () =>
      (closing ??= (async () => {
        server.close();
        await jobs.cancelAll();
        streams.close();
        server.closeAllConnections();
      })()),
  };
}
