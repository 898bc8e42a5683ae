// The electron-builder configuration (build/electron-builder.yml) against the built tree it would package: out/
// (after `electron-vite build`, which test:e2e runs first) plus the production node_modules. Patterns are read and
// matched with the YAML reader and minimatch (options { dot: true }) of electron-builder's own app-builder-lib.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Configuration } from 'electron-builder';
import { wasmBinaryDir } from '../../src-main/core/compute/backend';

const ROOT = path.resolve(__dirname, '..', '..');
const CONFIG_FILE = path.join(ROOT, 'build', 'electron-builder.yml');
const builderRequire = createRequire(createRequire(path.join(ROOT, 'package.json')).resolve('app-builder-lib/package.json'));
const yaml = builderRequire('js-yaml') as { load(text: string): unknown };
const { minimatch } = builderRequire('minimatch') as { minimatch(p: string, pattern: string, opts: { dot: boolean }): boolean };

interface PackageJson {
  main: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as PackageJson;
const config = yaml.load(readFileSync(CONFIG_FILE, 'utf8')) as Configuration & { files: string[]; asarUnpack: string[] };

/** Files under `dir`, relative to ROOT with '/' separators. */
function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[])
    .map((f) => path.join(dir, f))
    .filter((f) => statSync(f).isFile())
    .map((f) => path.relative(ROOT, f).split(path.sep).join('/'));
}

/** Folders of the production dependency closure (dependencies + optionalDependencies that are installed). */
function productionPackages(): string[] {
  const seen = new Set<string>();
  const visit = (name: string, from: string): void => {
    let file: string;
    try {
      file = createRequire(from).resolve(`${name}/package.json`);
    } catch {
      return; // an optional dependency that is not installed
    }
    const dir = path.dirname(file);
    if (seen.has(dir)) return;
    seen.add(dir);
    const p = JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
    for (const d of Object.keys({ ...p.dependencies, ...p.optionalDependencies })) visit(d, file);
  };
  for (const d of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) visit(d, path.join(ROOT, 'package.json'));
  return [...seen];
}

/**
 * What electron-builder puts in the app: the project files (outside node_modules) that `files` includes, and the
 * production node_modules, which are always added, less what the `files` exclusions remove.
 */
function appTree(): string[] {
  const kept = (f: string, included: boolean): boolean => {
    let keep = included;
    for (const pattern of config.files) {
      if (pattern.startsWith('!')) {
        if (minimatch(f, pattern.slice(1), { dot: true })) keep = false;
      } else if (minimatch(f, pattern, { dot: true })) keep = true;
    }
    return keep;
  };
  const project = [...walk(path.join(ROOT, 'out')), 'package.json'].filter((f) => kept(f, false));
  const modules = productionPackages().flatMap(walk).filter((f) => kept(f, true));
  return [...project, ...modules];
}

const unpacked = (f: string): boolean => config.asarUnpack.some((p) => minimatch(f, p, { dot: true }));

describe('electron-builder configuration against the built tree', () => {
  const tree = appTree();

  it('the build exists and `files` takes the entries the app starts from, without source maps', () => {
    expect(existsSync(path.join(ROOT, 'out', 'main', 'index.js')), 'run `npx electron-vite build` first').toBe(true);
    for (const f of [pkg.main, 'out/main/cli.js', 'out/preload/index.js', 'out/renderer/index.html', 'package.json']) expect(tree).toContain(f);
    expect(tree.filter((f) => f.startsWith('out/') && f.endsWith('.map'))).toEqual([]);
    const extra = config.extraResources as Array<{ from: string; to: string }>;
    expect(extra).toEqual([{ from: 'resources', to: 'resources' }]);
    expect(existsSync(path.join(ROOT, 'resources', 'elements', 'atom-features-cgcnn92.json'))).toBe(true);
  });

  it('N-API addons are not rebuilt against Electron and the archive is asar', () => {
    expect(config.asar).toBe(true);
    expect(config.npmRebuild).toBe(false);
    // The decision is documented where it is made.
    expect(readFileSync(CONFIG_FILE, 'utf8')).toMatch(/N-API[^\n]*\n(#[^\n]*\n)*npmRebuild: false/);
  });

  it('every asarUnpack pattern names files of the tree, or an optional native package not installed here', () => {
    const optional = Object.keys(pkg.optionalDependencies ?? {});
    for (const pattern of config.asarUnpack) {
      const hits = tree.filter((f) => minimatch(f, pattern, { dot: true }));
      if (hits.length > 0) continue;
      const owner = optional.find((name) => pattern.startsWith(`node_modules/${name}/`));
      expect(owner, `asarUnpack pattern ${pattern} matches nothing`).toBeDefined();
      expect(tree.some((f) => f.startsWith(`node_modules/${owner}/`)), `${owner} is installed but ${pattern} misses it`).toBe(false);
      console.log(`asarUnpack ${pattern}: ${owner} is an optional dependency not installed here (nothing to unpack)`);
    }
  });

  it('the wasm binaries are unpacked: exactly the .wasm files of @tensorflow/tfjs-backend-wasm, including those the app loads', () => {
    const wasm = tree.filter((f) => f.endsWith('.wasm') && f.startsWith('node_modules/@tensorflow/'));
    const shipped = walk(path.join(ROOT, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist')).filter((f) => f.endsWith('.wasm'));
    expect(shipped.map((f) => path.posix.basename(f)).sort()).toEqual([
      'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm', 'tfjs-backend-wasm.wasm',
    ]);
    expect(wasm.sort()).toEqual(shipped.sort());
    expect(wasm.filter((f) => !unpacked(f))).toEqual([]);
    const loadedFrom = path.relative(ROOT, wasmBinaryDir()).split(path.sep).join('/');
    expect(unpacked(`${loadedFrom}/tfjs-backend-wasm-simd.wasm`)).toBe(true);
  });

  it('native addons and their libraries would be unpacked; worker entries and the chunks they load are unpacked', () => {
    expect(tree.filter((f) => /\.(node|so(\.\d+)*|dll|dylib)$/.test(f) && !unpacked(f))).toEqual([]);
    for (const name of ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu']) {
      expect(unpacked(`node_modules/${name}/lib/napi-v8/tfjs_binding.node`), name).toBe(true);
      expect(unpacked(`node_modules/${name}/deps/lib/libtensorflow.so.2.9.1`), name).toBe(true);
    }
    const workers = tree.filter((f) => /^out\/main\/[^/]+-worker\.js$/.test(f));
    expect(workers.sort()).toEqual(['out/main/featurize-worker.js', 'out/main/gradient-worker.js', 'out/main/train-worker.js']);
    for (const w of workers) {
      expect(unpacked(w), w).toBe(true);
      const text = readFileSync(path.join(ROOT, w), 'utf8');
      const local = [...text.matchAll(/require\(["'](\.{1,2}\/[^"']+)["']\)/g)].map((m) => path.posix.join(path.posix.dirname(w), m[1]));
      expect(local.length, `${w} loads chunks`).toBeGreaterThan(0);
      for (const f of local) {
        expect(tree, `${w} requires ${f}`).toContain(f);
        expect(unpacked(f), `${f} (required by ${w})`).toBe(true);
      }
    }
  });
});
