/**
 * Security defaults applied to every window: isolated, sandboxed renderer without Node, a strict CSP, the renderer
 * served from app://renderer (shell-policy.ts), no remote content, navigation only to the app's own index, new windows
 * blocked, external https links sent to the system browser, every permission refused, DevTools only in a development
 * build.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { protocol, session, shell, type BrowserWindowConstructorOptions, type WebContents } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../app/csp';
import { APP_SCHEME, appRequestPath, contentTypeOf, isAllowedNavigation, isAllowedRequest } from './shell-policy';

/** What the policy needs to know about this run of the app. */
export interface ShellContext {
  /** The dev server's origin when ELECTRON_RENDERER_URL is honoured (never when packaged). */
  devOrigin?: string;
  /** A packaged build: no DevTools. */
  packaged: boolean;
}

/** Folders whose file:// URLs may load while a report is printed (see allowFileRoot). */
const fileRoots = new Set<string>();

/** Lets file:// requests inside `dir` through until the returned function is called (report printing). */
export function allowFileRoot(dir: string): () => void {
  fileRoots.add(dir);
  return () => fileRoots.delete(dir);
}

export function secureWebPreferences(preloadPath: string, ctx: ShellContext): BrowserWindowConstructorOptions['webPreferences'] {
  return {
    preload: preloadPath,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    sandbox: true,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    spellcheck: false,
    devTools: !ctx.packaged,
  };
}

/** Must run before the app is ready: app:// is a standard, secure scheme (origin, fetch, CSP as for https). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

/** Serves app://renderer/<path> from `rendererRoot` only (404 for anything outside it or missing). */
export function serveAppScheme(rendererRoot: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const file = appRequestPath(request.url, rendererRoot);
    if (!file) return new Response('not found', { status: 404 });
    try {
      const body = await fs.readFile(file);
      return new Response(body, { status: 200, headers: { 'content-type': contentTypeOf(file), 'content-security-policy': CONTENT_SECURITY_POLICY } });
    } catch {
      return new Response('not found', { status: 404 });
    }
  });
}

/** Installs the CSP header on every response of the default session and refuses all permissions and remote requests. */
export function hardenSession(ctx: ShellContext): void {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] },
    });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  // Remote content is never loaded: only the app's own scheme (or the dev server), data:/blob:, and a report being printed.
  session.defaultSession.webRequest.onBeforeRequest((details, callback) => {
    callback({ cancel: !isAllowedRequest(details.url, { devOrigin: ctx.devOrigin, fileRoots: [...fileRoots], devTools: !ctx.packaged }) });
  });
}

/** Allows navigation only to the app's own index; blocks new windows and webviews; https links open in the system browser. */
export function guardWebContents(contents: WebContents, ctx: ShellContext): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAllowedNavigation(url, ctx.devOrigin)) {
      event.preventDefault();
      openIfHttps(url);
    }
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    openIfHttps(url);
    return { action: 'deny' };
  });
  if (ctx.packaged) contents.on('devtools-opened', () => contents.closeDevTools());
}

export function openIfHttps(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return;
  }
  if (u.protocol === 'https:') void shell.openExternal(u.toString());
}

/** The absolute folder of the built renderer. */
export function rendererRootOf(mainDir: string): string {
  return path.join(mainDir, '../renderer');
}
