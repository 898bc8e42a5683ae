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

describe('core layering', () => {
  it('src-main/core imports only core modules, src-shared, Node built-ins and packages (never app, ipc, cli or electron)', () => {
    const files = readdirSync(CORE, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(50);
    const bad: string[] = [];
    for (const f of files) {
      const file = path.join(CORE, f);
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        if (spec === 'electron' || spec.startsWith('electron/')) bad.push(`${f}: ${spec}`);
        if (spec.startsWith('.')) {
          const target = path.resolve(path.dirname(file), spec);
          if (target !== CORE && !target.startsWith(CORE + path.sep) && !target.startsWith(SHARED + path.sep)) bad.push(`${f}: ${spec}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('src-main/services (shared by the desktop app and the CLI) imports nothing from app, cli or electron; the CLI nothing from app', () => {
    const SRC = path.join(REPO, 'src-main');
    const layer = (dir: string, forbidden: string[]): string[] => {
      const root = path.join(SRC, dir);
      const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
      expect(files.length).toBeGreaterThan(3);
      const bad: string[] = [];
      for (const f of files) {
        const file = path.join(root, f);
        for (const spec of specifiers(readFileSync(file, 'utf8'))) {
          if (spec === 'electron' || spec.startsWith('electron/')) bad.push(`${dir}/${f}: ${spec}`);
          if (!spec.startsWith('.')) continue;
          const target = path.resolve(path.dirname(file), spec);
          for (const other of forbidden) {
            const o = path.join(SRC, other);
            if (target === o || target.startsWith(o + path.sep)) bad.push(`${dir}/${f}: ${spec}`);
          }
        }
      }
      return bad;
    };
    expect(layer('services', ['app', 'cli', 'electron'])).toEqual([]);
    expect(layer('cli', ['app', 'electron'])).toEqual([]);
  });

  it('studio home: MTCGCNN_HOME or ~/CrystalPropertyStudio, with the models and the graph cache under it', () => {
    const env = { MTCGCNN_HOME: path.join('rel', 'home') };
    expect(studioHome(env)).toBe(path.resolve('rel', 'home'));
    expect(userModelsDir(env)).toBe(path.resolve('rel', 'home', 'models'));
    expect(graphCacheDir(env)).toBe(path.resolve('rel', 'home', 'cache', 'graphs'));
    expect(path.basename(studioHome({}))).toBe('CrystalPropertyStudio');
  });
});
