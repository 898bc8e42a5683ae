#!/usr/bin/env node
// `npm start`: builds the app when the build is missing or older than the sources, then opens it in Electron when
// Electron's binary is installed (and a display exists), otherwise in the browser shell (`mtcgcnn studio`).
// `npm start -- --browser` always uses the browser shell; other arguments go to `mtcgcnn studio` (e.g. --port 8890).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const forceBrowser = args.includes('--browser');
const studioArgs = args.filter((a) => a !== '--browser');

const OUTPUTS = ['out/main/cli.js', 'out/main/index.js', 'out/preload/index.js', 'out/renderer/index.html'].map((f) => path.join(root, f));
const SOURCES = ['src-main', 'src-shared', 'src-preload', 'src-renderer', 'resources/demo', 'electron.vite.config.ts', 'package.json'].map((f) => path.join(root, f));

/** Newest modification time under `p` (files and folders), 0 when it does not exist. */
function newest(p) {
  let stat;
  try {
    stat = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let t = stat.mtimeMs;
  for (const e of fs.readdirSync(p)) t = Math.max(t, newest(path.join(p, e)));
  return t;
}

function buildIfNeeded() {
  const built = Math.min(...OUTPUTS.map((f) => (fs.existsSync(f) ? fs.statSync(f).mtimeMs : 0)));
  if (built > 0 && built >= Math.max(...SOURCES.map(newest))) return;
  console.error(built > 0 ? 'Sources changed since the last build: building…' : 'First start: building the app…');
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build', '--logLevel', 'warn'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) {
    console.error('The build failed (see above).');
    process.exit(r.status ?? 1);
  }
}

/** Electron's executable when the electron package has downloaded it, else null (never triggers a download). */
function electronBinary() {
  const pkg = path.join(root, 'node_modules/electron');
  const pathFile = path.join(pkg, 'path.txt');
  if (!fs.existsSync(pathFile)) return null;
  const rel = fs.readFileSync(pathFile, 'utf8').trim();
  const exe = process.env.ELECTRON_OVERRIDE_DIST_PATH ? path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH, rel || 'electron') : path.join(pkg, 'dist', rel);
  return fs.existsSync(exe) ? exe : null;
}

function run(command, commandArgs) {
  const child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit' });
  // Ctrl-C reaches the child through the terminal's process group; the child decides how to stop.
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
}

buildIfNeeded();
const electron = forceBrowser ? null : electronBinary();
const display = process.platform === 'darwin' || process.platform === 'win32' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
if (electron && display) {
  run(electron, [root]);
} else {
  if (!forceBrowser) console.error(electron ? 'No display for the Electron window: starting the browser shell instead.' : 'Electron is not installed here: starting the browser shell instead (npm start -- --browser does so always).');
  run(process.execPath, [path.join(root, 'out/main/cli.js'), 'studio', ...studioArgs]);
}
