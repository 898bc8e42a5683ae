// Architecture: src-main/core (the ML core) depends on nothing of the app, the IPC layer, the CLI or Electron;
// src-main/services (shared by the desktop app and the CLI) on nothing of either shell.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { graphCacheDir, studioHome, userModelsDir } from '../../src-main/core/studio-home';

const REPO = path.resolve(__dirname, '../..');
const CORE = path.join(REPO, 'src-main', 'core');
/** What main, preload and renderer share (value types, the IPC contract): the one layer below the core. */
const SHARED = path.join(REPO, 'src-shared');

/** Every module specifier of import / export ... from / import() / require() in a TypeScript file. */
function specifiers(text: string): string[] {
  const out: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1]);
  return out;
}

const SRC = path.join(REPO, 'src-main');
const inside = (target: string, dir: string): boolean => target === dir || target.startsWith(dir + path.sep);

/**
 * Imports of the .ts files under src-main/`dir` that break its layer: 'electron', and relative imports whose
 * target `isBad` refuses. At least `minFiles` files must be found (a moved folder must not pass by being empty).
 */
function badImports(dir: string, minFiles: number, isBad: (target: string) => boolean): string[] {
  const root = path.join(SRC, dir);
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  expect(files.length).toBeGreaterThan(minFiles);
  const bad: string[] = [];
  for (const f of files) {
    const file = path.join(root, f);
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      if (spec === 'electron' || spec.startsWith('electron/')) bad.push(`${dir}/${f}: ${spec}`);
      else if (spec.startsWith('.') && isBad(path.resolve(path.dirname(file), spec))) bad.push(`${dir}/${f}: ${spec}`);
    }
  }
  return bad;
}

describe('core layering', () => {
  it('src-main/core imports only core modules, src-shared, Node built-ins and packages (never app, ipc, cli or electron)', () => {
    expect(badImports('core', 50, (target) => !inside(target, CORE) && !inside(target, SHARED))).toEqual([]);
  });

  it('src-main/services (shared by the desktop app and the CLI) imports nothing from app, cli or electron; the CLI nothing from app', () => {
    const into = (...dirs: string[]) => (target: string): boolean => dirs.some((d) => inside(target, path.join(SRC, d)));
    expect(badImports('services', 3, into('app', 'cli', 'electron'))).toEqual([]);
    expect(badImports('cli', 3, into('app', 'electron'))).toEqual([]);
  });

  it('studio home: MTCGCNN_HOME or ~/CrystalPropertyStudio, with the models and the graph cache under it', () => {
    const env = { MTCGCNN_HOME: path.join('rel', 'home') };
    expect(studioHome(env)).toBe(path.resolve('rel', 'home'));
    expect(userModelsDir(env)).toBe(path.resolve('rel', 'home', 'models'));
    expect(graphCacheDir(env)).toBe(path.resolve('rel', 'home', 'cache', 'graphs'));
    expect(path.basename(studioHome({}))).toBe('CrystalPropertyStudio');
  });
});
