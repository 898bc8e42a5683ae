/**
 * Opening the studio (and links) in the user's browser: the system opener (xdg-open, open, start), or a Chromium
 * window without browser chrome (--app=URL) when Chromium is installed. Only where a display exists.
 */
import { spawn } from 'node:child_process';
import { findChromium } from '../core/report/pdf';

/** Whether a browser window can appear: always on macOS and Windows, with DISPLAY or WAYLAND_DISPLAY elsewhere. */
export function displayAvailable(env: NodeJS.ProcessEnv = process.env, platform: string = process.platform): boolean {
  return platform === 'darwin' || platform === 'win32' || Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

function launch(command: string, args: string[]): void {
  const child = spawn(command, args, { detached: true, stdio: 'ignore' });
  child.on('error', () => {});
  child.unref();
}

/** Opens `url` with the system's default handler. */
export function openInSystem(url: string, platform: string = process.platform): void {
  const how = systemOpener(url, platform);
  launch(how.command, how.args);
}

function systemOpener(url: string, platform: string): { command: string; args: string[] } {
  if (platform === 'darwin') return { command: 'open', args: [url] };
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""', url] };
  return { command: 'xdg-open', args: [url] };
}

/** How the studio window is opened: Chromium's app mode when Chromium is found, else the system opener. */
export function studioWindowCommand(url: string, platform: string = process.platform): { command: string; args: string[] } {
  try {
    return { command: findChromium({}), args: [`--app=${url}`, '--no-first-run', '--no-default-browser-check'] };
  } catch {
    return systemOpener(url, platform);
  }
}

/** Opens the studio in a browser window; false when no display is available (nothing is started then). */
export function openStudioWindow(url: string): boolean {
  if (!displayAvailable()) return false;
  const how = studioWindowCommand(url);
  launch(how.command, how.args);
  return true;
}
