/**
 * A stand-in for @tensorflow/tfjs-node on a machine without libtensorflow, for the backend chooser
 * (backend.ts, NativePackageAccess). Loading it does what tfjs-node's entry does, in the same order:
 *   1. require('@tensorflow/tfjs'): the union package registers tfjs's own gradient functions (all of them,
 *      before the app's registerGradientsIfMissing runs) and the cpu backend;
 *   2. registers a backend named 'tensorflow' (tfjs-node's name, priority 3). Here its kernels are the stock
 *      tfjs-backend-cpu kernels (MathBackendCPU) instead of libtensorflow's: none of the project's kernel fixes
 *      or fused kernels exist for it, exactly as under tfjs-node, so the model takes its plain-ops path.
 * Only the numerics of the individual kernels differ from a real tfjs-node run (JavaScript vs TensorFlow C++).
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import type { NativePackage, NativePackageAccess, NativePackageProbe } from '../../src-main/core/compute/backend';
import { resolvePackageFile } from '../../src-main/core/compute/backend';

function version(packageJson: string): string {
  return (JSON.parse(fs.readFileSync(packageJson, 'utf8')) as { version: string }).version;
}

/** The union package's version and the tfjs-core it resolves (what the chooser's probe would read). */
export function unionPackageProbe(): NativePackageProbe {
  const union = resolvePackageFile('@tensorflow/tfjs/package.json');
  const core = createRequire(union).resolve('@tensorflow/tfjs-core/package.json');
  return { version: version(union), tfjsCore: version(core) };
}

/** Registers the cpu backend's kernels and a MathBackendCPU factory under the name 'tensorflow'. */
export function registerCpuAsTensorflowBackend(): void {
  if (tf.findBackendFactory('tensorflow')) return;
  const req = createRequire(path.join(process.cwd(), 'package.json'));
  const cpu = req('@tensorflow/tfjs-backend-cpu') as typeof import('@tensorflow/tfjs-backend-cpu');
  for (const k of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...k, backendName: 'tensorflow' });
  tf.registerBackend('tensorflow', () => new cpu.MathBackendCPU(), 3);
}

/**
 * NativePackageAccess in which `@tensorflow/tfjs-node` is "installed" as the stand-in above and
 * `@tensorflow/tfjs-node-gpu` is not installed. `loadUnion: false` skips step 1 (for chooser tests that
 * must not register tfjs's gradients in their process).
 */
export function tfjsNodeStandIn(opts: { loadUnion?: boolean } = {}): NativePackageAccess & { loaded: NativePackage[] } {
  const loaded: NativePackage[] = [];
  return {
    loaded,
    probe: (pkg) => (pkg === '@tensorflow/tfjs-node' ? unionPackageProbe() : undefined),
    load: (pkg) => {
      if (pkg !== '@tensorflow/tfjs-node') throw new Error(`Cannot find module '${pkg}'`);
      loaded.push(pkg);
      if (opts.loadUnion ?? true) createRequire(path.join(process.cwd(), 'package.json'))('@tensorflow/tfjs');
      registerCpuAsTensorflowBackend();
    },
  };
}
