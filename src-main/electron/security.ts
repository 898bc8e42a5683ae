/**
 * Security defaults applied to every window: isolated, sandboxed renderer without Node, a strict CSP,
 * no remote content, navigation and new windows blocked, external https links sent to the system browser.
 */
import { session, shell, type BrowserWindowConstructorOptions, type WebContents } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../app/csp';


export function secureWebPreferences(preloadPath: string): BrowserWindowConstructorOptions['webPreferences'] {
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
  };
}

/** Installs the CSP header on every response of the default session and refuses all permission requests. */
export function hardenSession(): void {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] },
    });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  // Remote content is never loaded: anything that is not the app's own files or the dev server is cancelled.
  session.defaultSession.webRequest.onBeforeRequest((details, callback) => {
    callback({ cancel: !isAppUrl(details.url) && !details.url.startsWith('devtools://') });
  });
}

export function isAppUrl(url: string): boolean {
  if (url.startsWith('file://') || url.startsWith('data:') || url.startsWith('blob:')) return true;
  const dev = process.env.ELECTRON_RENDERER_URL;
  return Boolean(dev && url.startsWith(new URL(dev).origin));
}

/** Blocks navigation away from the app and new windows; https links open in the system browser. */
export function guardWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) {
      event.preventDefault();
      openIfHttps(url);
    }
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    openIfHttps(url);
    return { action: 'deny' };
  });
}

export function openIfHttps(url: string): void {
  if (/^https:\/\//.test(url)) void shell.openExternal(url);
}
