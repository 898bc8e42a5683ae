/**
 * The ONE place that chooses and initialises the TensorFlow.js compute backend.
 *
 * Order of preference (unless forced):
 *   1. tfjs-node-gpu  (native TensorFlow with CUDA; registers backend 'tensorflow') when it loads AND sees a GPU
 *   2. tfjs-node      (native TensorFlow on the CPU; also 'tensorflow')
 *   3. wasm           (XNNPACK, SIMD; with this project's kernel fixes, see kernel-overrides.ts)
 *   4. cpu            (pure JS; ~100x slower for training) only when forced.
 *
 * Forcing: env MTCGCNN_BACKEND=gpu|node|wasm|cpu, or `initBackend({ force })`. A forced backend that cannot
 * load is an error (we do not silently run something else the user did not ask for).
 *
 * The returned BackendInfo is shown by `mtcgcnn info`, the UI and is written into every run record.
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { registerGradientsIfMissing } from './gradients';
import { registerKernelFixes } from './kernel-overrides';
import { activeEdgeKernelPath } from './fused-kernels';
import { backendLog } from './backend-log';

export type BackendKind = 'gpu' | 'node' | 'wasm' | 'cpu';
/** Name used by the UI / IPC contract. */
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  /** 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu' (IPC contract name). */
  name: BackendName;
  kind: BackendKind;
  /** The tfjs backend name actually registered ('tensorflow', 'wasm', 'cpu'). */
  tfBackend: string;
  /** Human description, e.g. "WebAssembly (SIMD, 1 thread)". */
  description: string;
  /** wasm only: SIMD binary in use. */
  simd: boolean;
  /** Compute threads (wasm: XNNPACK threads; node: reported by TF, 0 = TF decides). */
  threads: number;
  versions: Record<string, string>;
  /** True when chosen by env MTCGCNN_BACKEND or an option. */
  forced: boolean;
  /** Why a faster backend was not used, if it was not. */
  fallbackReason?: string;
  howToGetGpu: string;
  /** Warnings (e.g. the cpu backend is slow). */
  warnings: string[];
  /** Which implementation runs the convolutions (activeEdgeKernelPath): on wasm, 'fused SIMD wasm kernels'. */
  kernels: string;
}

export interface InitBackendOptions {
  /** Force a backend; overrides env MTCGCNN_BACKEND. */
  force?: BackendKind;
  /** Do not try tfjs-node / tfjs-node-gpu at all (tests). */
  skipNative?: boolean;
  /** Log function for warnings (default console.warn). */
  warn?: (msg: string) => void;
  /** How native packages are found and loaded (default: Node's module resolution; tests inject fakes). */
  native?: NativePackageAccess;
  /** Receives the one line naming the backend and kernel path in use (default: the process's setBackendLog). */
  log?: (msg: string) => void;
}

/** An installed native TensorFlow package, as found on disk before it is loaded. */
export interface NativePackageProbe {
  /** The package's own version, e.g. '4.22.0'. */
  version: string;
  /** Version of the @tensorflow/tfjs-core copy the package would resolve (its dependency), if found. */
  tfjsCore?: string;
}

/**
 * Finds and loads the optional native packages (@tensorflow/tfjs-node, @tensorflow/tfjs-node-gpu). `probe` must
 * not execute the package (it reads package.json files only), so that a package built for another tfjs-core is
 * skipped before it registers anything in the process-wide tfjs registries.
 */
export interface NativePackageAccess {
  /** undefined when the package is not installed. */
  probe(pkg: NativePackage): NativePackageProbe | undefined;
  /** Executes the package (a native addon: registers the 'tensorflow' backend); throws when it cannot load. */
  load(pkg: NativePackage): unknown;
}

export type NativePackage = '@tensorflow/tfjs-node' | '@tensorflow/tfjs-node-gpu';

const HOW_TO_GET_GPU =
  'On Linux x86-64 with an NVIDIA GPU (driver > 450, CUDA 11.2, cuDNN 8.1) and Node 20: run ' +
  `\`npm install @tensorflow/tfjs-node-gpu@${tf.version_core}\` next to the application's package.json (it downloads ` +
  'libtensorflow 2.9.1 with GPU support; an installed app must be rebuilt with it), then restart. Without a GPU, ' +
  `\`npm install @tensorflow/tfjs-node@${tf.version_core}\` gives native multi-threaded CPU speed. Check with \`mtcgcnn info\`; force ` +
  'a backend with MTCGCNN_BACKEND=gpu|node|wasm|cpu. Versions and known install failures: "Running on a GPU" in ' +
  'docs/training.md.';

/** What to install to get the native backend; part of every error about a forced native backend. */
function installHint(pkg: NativePackage): string {
  return `install it with \`npm install ${pkg}@${tf.version_core}\` next to the application's package.json ` +
    '(see "Running on a GPU" in docs/training.md)';
}

let current: BackendInfo | undefined;
let pending: Promise<BackendInfo> | undefined;

/** The BackendInfo of the initialised backend, or undefined before initBackend() resolved. */
export function currentBackend(): BackendInfo | undefined {
  return current;
}

/** Parses MTCGCNN_BACKEND; throws on an unknown value. */
export function forcedBackendFromEnv(env: NodeJS.ProcessEnv = process.env): BackendKind | undefined {
  const raw = env.MTCGCNN_BACKEND?.trim().toLowerCase();
  if (!raw || raw === 'auto') return undefined;
  const alias: Record<string, BackendKind> = {
    gpu: 'gpu', 'tensorflow-gpu': 'gpu', cuda: 'gpu',
    node: 'node', tensorflow: 'node', native: 'node',
    wasm: 'wasm', cpu: 'cpu', js: 'cpu',
  };
  const k = alias[raw];
  if (!k) throw new Error(`MTCGCNN_BACKEND=${raw} is not one of gpu, node, wasm, cpu`);
  return k;
}

/**
 * Initialises the backend once per process (later calls return the same record; a different `force`
 * after initialisation is ignored with a warning unless it matches).
 */
export function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  if (!pending) {
    pending = doInit(options).then((info) => {
      current = info;
      return info;
    });
    pending.catch(() => {
      pending = undefined;
    });
  }
  return pending;
}

/** For tests: forget the chosen backend so initBackend can choose again (does not unload native code). */
export function resetBackendForTests(): void {
  pending = undefined;
  current = undefined;
}

/** Resolves a file inside an installed package, from source (vitest), a vite CJS bundle, or a worker. */
export function resolvePackageFile(spec: string): string {
  const bases: string[] = [];
  if (typeof __filename === 'string') bases.push(__filename);
  bases.push(path.join(process.cwd(), 'package.json'));
  if (process.argv[1]) bases.push(path.resolve(process.argv[1]));
  let lastErr: unknown;
  for (const base of bases) {
    try {
      return createRequire(base).resolve(spec);
    } catch (e) {
      lastErr = e;
    }
  }
  throw lastErr instanceof Error ? lastErr : new Error(`cannot resolve ${spec}`);
}

function nodeRequire(): NodeJS.Require {
  if (typeof __filename === 'string') return createRequire(__filename);
  return createRequire(path.join(process.cwd(), 'package.json'));
}

function readPackageVersion(packageJson: string): string {
  return (JSON.parse(fs.readFileSync(packageJson, 'utf8')) as { version: string }).version;
}

/** The real thing: Node's module resolution from this file (or the bundle), reading package.json files. */
export const nodeNativePackages: NativePackageAccess = {
  probe(pkg) {
    let pkgJson: string;
    try {
      pkgJson = resolvePackageFile(`${pkg}/package.json`);
    } catch {
      return undefined;
    }
    // The copy of tfjs-core the package runs on: the one its @tensorflow/tfjs dependency resolves (a nested
    // copy when its version differs from ours).
    const resolveFrom = (base: string, spec: string): string | undefined => {
      try {
        return createRequire(base).resolve(spec);
      } catch {
        return undefined;
      }
    };
    const union = resolveFrom(pkgJson, '@tensorflow/tfjs/package.json') ?? pkgJson;
    const coreJson = resolveFrom(union, '@tensorflow/tfjs-core/package.json');
    const tfjsCore = coreJson ? readPackageVersion(coreJson) : undefined;
    return { version: readPackageVersion(pkgJson), ...(tfjsCore ? { tfjsCore } : {}) };
  },
  // A plain require keeps it a runtime lookup in a bundle (optional dependency, native addon).
  load: (pkg) => nodeRequire()(pkg),
};

/** Folder holding tfjs-backend-wasm's .wasm binaries (with trailing separator). */
export function wasmBinaryDir(): string {
  const pkg = resolvePackageFile('@tensorflow/tfjs-backend-wasm/package.json');
  const dir = path.join(path.dirname(pkg), 'dist');
  if (!fs.existsSync(path.join(dir, 'tfjs-backend-wasm-simd.wasm'))) {
    throw new Error(`tfjs-backend-wasm binaries not found in ${dir}`);
  }
  return dir + path.sep;
}

async function doInit(options: InitBackendOptions): Promise<BackendInfo> {
  const warn = options.warn ?? ((m: string) => console.warn(m));
  const force = options.force ?? forcedBackendFromEnv();
  const versions: Record<string, string> = { 'tfjs-core': tf.version_core, node: process.versions.node };
  if (process.versions.electron) versions.electron = process.versions.electron;
  const reasons: string[] = [];

  const native = options.native ?? nodeNativePackages;
  const tryNative = async (gpu: boolean): Promise<Omit<BackendInfo, 'kernels'> | undefined> => {
    const pkg: NativePackage = gpu ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
    const found = native.probe(pkg);
    if (!found) {
      reasons.push(`${pkg} is not installed`);
      return undefined;
    }
    if (found.tfjsCore !== tf.version_core) {
      // Checked before loading: a package built on another tfjs-core would register its own gradients and kernels.
      const theirs = found.tfjsCore ? `tfjs-core ${found.tfjsCore}` : 'no tfjs-core it can find';
      reasons.push(`${pkg} ${found.version} was skipped: it uses ${theirs} but the app uses tfjs-core ${tf.version_core}; ` +
        `reinstall it as ${pkg}@${tf.version_core}`);
      return undefined;
    }
    try {
      native.load(pkg);
    } catch (e) {
      const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
      reasons.push(`${pkg} ${found.version} failed to load: ${msg}`);
      return undefined;
    }
    if (!tf.findBackendFactory('tensorflow')) {
      reasons.push(`${pkg} loaded but did not register the 'tensorflow' backend with this tfjs-core copy`);
      return undefined;
    }
    const ok = await tf.setBackend('tensorflow');
    if (!ok) {
      reasons.push(`${pkg}: backend 'tensorflow' failed to initialise`);
      return undefined;
    }
    const be = tf.backend() as unknown as { isUsingGpuDevice?: boolean };
    if (gpu && be.isUsingGpuDevice !== true) {
      reasons.push(`${pkg} loaded but TensorFlow sees no usable GPU (check CUDA 11.2, cuDNN 8.1 and the NVIDIA driver)`);
      return undefined;
    }
    versions[pkg.replace('@tensorflow/', '')] = found.version;
    return {
      name: gpu ? 'tensorflow-gpu' : 'tensorflow',
      kind: gpu ? 'gpu' : 'node',
      tfBackend: 'tensorflow',
      description: gpu ? 'TensorFlow native (CUDA GPU)' : 'TensorFlow native (CPU, multi-threaded)',
      simd: false,
      threads: 0,
      versions,
      forced: force !== undefined,
      howToGetGpu: HOW_TO_GET_GPU,
      warnings: [],
    };
  };

  const finish = (partial: Omit<BackendInfo, 'kernels'>): BackendInfo => {
    const kernels = activeEdgeKernelPath();
    const info: BackendInfo = { ...partial, kernels: kernels.description };
    if (reasons.length && info.kind !== 'gpu') info.fallbackReason = reasons.join('; ');
    if (info.kind === 'wasm' && kernels.kind !== 'simd-wasm') {
      const w = `the fused SIMD wasm kernels are not in use (${kernels.problem}); training runs on the ~7x slower JavaScript kernels`;
      info.warnings.push(w);
      warn(w);
    }
    // After the native attempt: tfjs-node brings @tensorflow/tfjs, which registers the full gradient set.
    registerGradientsIfMissing();
    (options.log ?? backendLog())(`compute backend: ${info.description}; convolution kernels: ${info.kernels}`);
    return info;
  };

  if (!options.skipNative && (force === undefined || force === 'gpu')) {
    const info = await tryNative(true);
    if (info) return finish(info);
    if (force === 'gpu') throw forcedError('gpu', '@tensorflow/tfjs-node-gpu', reasons);
  }
  if (!options.skipNative && (force === undefined || force === 'node')) {
    const info = await tryNative(false);
    if (info) return finish(info);
    if (force === 'node') throw forcedError('node', '@tensorflow/tfjs-node', reasons);
  }
  if (force === 'cpu') {
    // require (not import()): one CommonJS instance in source runs (vitest) and in vite's CJS bundles alike.
    nodeRequire()('@tensorflow/tfjs-backend-cpu');
    registerKernelFixes('cpu');
    if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend failed to initialise');
    const w = 'The pure-JavaScript cpu backend is ~100x slower than wasm for training; use it only for debugging.';
    warn(w);
    versions['tfjs-backend-cpu'] = readVersion('@tensorflow/tfjs-backend-cpu');
    return finish({
      name: 'cpu', kind: 'cpu', tfBackend: 'cpu', description: 'Pure JavaScript (cpu backend, slow)',
      simd: false, threads: 1, versions, forced: true, howToGetGpu: HOW_TO_GET_GPU, warnings: [w],
    });
  }
  // wasm
  const wasm = nodeRequire()('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(wasmBinaryDir());
  if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend failed to initialise');
  registerKernelFixes('wasm'); // installs the fused kernels, whose SIMD path finish() reports
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const threads = wasm.getThreadsCount();
  versions['tfjs-backend-wasm'] = wasm.version_wasm;
  return finish({
    name: 'wasm', kind: 'wasm', tfBackend: 'wasm',
    description: `WebAssembly (${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'})`,
    simd, threads, versions, forced: force !== undefined, howToGetGpu: HOW_TO_GET_GPU, warnings: [],
  });
}

function forcedError(kind: 'gpu' | 'node', pkg: NativePackage, reasons: string[]): Error {
  return new Error(
    `MTCGCNN_BACKEND=${kind} was requested but the native backend is unavailable: ${reasons.join('; ')}. ` +
      `To use it, ${installHint(pkg)}; or unset MTCGCNN_BACKEND to run on WebAssembly.`,
  );
}

function readVersion(pkg: string): string {
  try {
    return readPackageVersion(resolvePackageFile(`${pkg}/package.json`));
  } catch {
    return '?';
  }
}
