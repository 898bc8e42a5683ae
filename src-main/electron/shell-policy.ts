/**
 * The Electron shell's trust decisions, as plain functions without an Electron import (tests load this module):
 *
 * - The renderer is served from the custom scheme `app://renderer/...`, scoped to out/renderer: appRequestPath maps a
 *   URL to a file inside that folder and refuses everything else (`..`, encoded separators, other hosts).
 * - Navigation is allowed only to the app's own index (app://renderer/index.html, any #/section), or to the dev
 *   server's index when ELECTRON_RENDERER_URL is honoured (never in a packaged build).
 * - IPC is answered only for frames whose URL has the app's origin (isTrustedSender).
 * - Requests: the app's own scheme, data:/blob: and, while a report is printed, file:// inside its temporary folder.
 *
 * Origins are compared as parsed URL origins (`new URL(url).origin`; for the app scheme, which WHATWG URL gives the
 * opaque origin "null", scheme plus host), never by string prefix.
 */
import path from 'node:path';

export const APP_SCHEME = 'app';
export const APP_HOST = 'renderer';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX = '/index.html';

/** The app's start URL for a section (the renderer reads the section from the hash). */
export function appIndexUrl(section: string, devUrl?: string): string {
  return devUrl ? `${new URL(devUrl).origin}/#/${section}` : `${APP_ORIGIN}${APP_INDEX}#/${section}`;
}

/** The dev server URL to use: ELECTRON_RENDERER_URL only when the app is not packaged and the URL is http(s) on this machine. */
export function devRendererUrl(env: Readonly<Record<string, string | undefined>>, packaged: boolean): string | undefined {
  const dev = env.ELECTRON_RENDERER_URL;
  if (packaged || !dev) return undefined;
  let u: URL;
  try {
    u = new URL(dev);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
  if (!['localhost', '127.0.0.1', '[::1]'].includes(u.hostname)) return undefined;
  return u.origin;
}

function parse(url: string | null | undefined): URL | undefined {
  if (typeof url !== 'string' || url.length === 0) return undefined;
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** Origin of a URL: `new URL(url).origin`, or scheme://host for the app scheme (opaque in WHATWG URL). */
export function originOf(url: string | null | undefined): string | undefined {
  const u = parse(url);
  if (!u) return undefined;
  if (u.protocol === `${APP_SCHEME}:`) return `${APP_SCHEME}://${u.host}`;
  return u.origin === 'null' ? undefined : u.origin;
}

/** True for a URL of the app itself: the app scheme's origin, or the dev server's origin when one is honoured. */
export function isAppOrigin(url: string | null | undefined, devOrigin?: string): boolean {
  const o = originOf(url);
  return o !== undefined && (o === APP_ORIGIN || (devOrigin !== undefined && o === devOrigin));
}

/** Whether IPC from a frame at `frameUrl` is answered (the app's own pages only). */
export function isTrustedSender(frameUrl: string | null | undefined, devOrigin?: string): boolean {
  return isAppOrigin(frameUrl, devOrigin);
}

/** Whether the window may navigate to `url`: only the app's own index (any hash). */
export function isAllowedNavigation(url: string, devOrigin?: string): boolean {
  const u = parse(url);
  if (!u || !isAppOrigin(url, devOrigin)) return false;
  return u.pathname === APP_INDEX || (devOrigin !== undefined && originOf(url) === devOrigin && u.pathname === '/');
}

/** Whether the session lets a request through. `fileRoots`: folders whose file:// URLs may load (report printing). */
export function isAllowedRequest(url: string, options: { devOrigin?: string; fileRoots?: readonly string[]; devTools?: boolean } = {}): boolean {
  const u = parse(url);
  if (!u) return false;
  if (u.protocol === 'data:' || u.protocol === 'blob:') return true;
  if (u.protocol === 'devtools:') return options.devTools === true;
  if (u.protocol === 'file:') {
    let file: string;
    try {
      file = path.resolve(decodeURIComponent(u.pathname));
    } catch {
      return false;
    }
    return (options.fileRoots ?? []).some((root) => isInside(file, path.resolve(root)));
  }
  return isAppOrigin(url, options.devOrigin);
}

function isInside(file: string, root: string): boolean {
  const rel = path.relative(root, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/**
 * The file inside `rendererRoot` that an app:// request names, or undefined when the URL is not the app's origin or
 * leaves the folder (`..`, encoded slashes or backslashes, NUL). `/` is the index.
 */
export function appRequestPath(url: string, rendererRoot: string): string | undefined {
  const u = parse(url);
  if (!u || originOf(url) !== APP_ORIGIN) return undefined;
  let rel: string;
  try {
    rel = decodeURIComponent(u.pathname);
  } catch {
    return undefined;
  }
  if (/[\\\0]/.test(rel) || /%2f|%5c/i.test(u.pathname)) return undefined;
  if (rel === '/' || rel === '') rel = APP_INDEX;
  const root = path.resolve(rendererRoot);
  const file = path.resolve(root, `.${rel}`);
  return isInside(file, root) ? file : undefined;
}

export { contentTypeOf } from '../services/content-types';

/**
 * Electron fuses of the packaged app (set by electron-builder's `electronFuses` in build/electron-builder.yml, which a
 * test keeps equal to this): no ELECTRON_RUN_AS_NODE, no NODE_OPTIONS, no --inspect, no extra file:// privileges,
 * the app only from its asar archive and that archive's integrity checked.
 */
export const ELECTRON_FUSES = Object.freeze({
  runAsNode: false,
  enableNodeOptionsEnvironmentVariable: false,
  enableNodeCliInspectArguments: false,
  grantFileProtocolExtraPrivileges: false,
  enableEmbeddedAsarIntegrityValidation: true,
  onlyLoadAppFromAsar: true,
});
