// The backend chooser (backend.ts) with faked native-package resolution: nothing is installed, the fakes stand for
// @tensorflow/tfjs-node / -gpu being absent, built for another tfjs-core, failing to load, or present (the
// cpu-kernel stand-in of test/native-path). Also what `mtcgcnn info` prints for the fallback.
import { afterEach, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import {
  type NativePackage, type NativePackageAccess, type NativePackageProbe,
  initBackend, resetBackendForTests,
} from '../../src-main/core/compute/backend';
import { runCommand } from '../../src-main/cli/command';
import { infoCommand } from '../../src-main/cli/commands/info';
import { tfjsNodeStandIn } from '../native-path/tfjs-node-stand-in';

/** A fake resolution: `installed` maps package names to what probe() finds; load() runs `onLoad` and records. */
function fakeNative(
  installed: Partial<Record<NativePackage, NativePackageProbe>>,
  onLoad: (pkg: NativePackage) => void = () => undefined,
): NativePackageAccess & { loaded: NativePackage[] } {
  const loaded: NativePackage[] = [];
  return {
    loaded,
    probe: (pkg) => installed[pkg],
    load: (pkg) => {
      loaded.push(pkg);
      onLoad(pkg);
    },
  };
}

const quiet = { warn: () => undefined };

afterEach(() => resetBackendForTests());

describe('backend chooser with faked native packages', () => {
  it('forcing gpu or node without the package is a clear error naming the package and how to install it', async () => {
    const none = fakeNative({});
    await expect(initBackend({ force: 'gpu', native: none, ...quiet })).rejects.toThrow(
      /MTCGCNN_BACKEND=gpu was requested but the native backend is unavailable: @tensorflow\/tfjs-node-gpu is not installed\. To use it, install it with `npm install @tensorflow\/tfjs-node-gpu@4\.22\.0` next to the application.s package\.json.*unset MTCGCNN_BACKEND/,
    );
    await expect(initBackend({ force: 'node', native: none, ...quiet })).rejects.toThrow(
      /MTCGCNN_BACKEND=node .*: @tensorflow\/tfjs-node is not installed\. To use it, install it with `npm install @tensorflow\/tfjs-node@4\.22\.0`/,
    );
    expect(none.loaded).toEqual([]);
  });

  it('skips a native package built on another tfjs-core before loading it, with the reason', async () => {
    const old = fakeNative({ '@tensorflow/tfjs-node': { version: '4.10.0', tfjsCore: '4.10.0' } });
    await expect(initBackend({ force: 'node', native: old, ...quiet })).rejects.toThrow(
      /@tensorflow\/tfjs-node 4\.10\.0 was skipped: it uses tfjs-core 4\.10\.0 but the app uses tfjs-core 4\.22\.0; reinstall it as @tensorflow\/tfjs-node@4\.22\.0/,
    );
    expect(old.loaded).toEqual([]);
    const orphan = fakeNative({ '@tensorflow/tfjs-node-gpu': { version: '4.22.0' } });
    await expect(initBackend({ force: 'gpu', native: orphan, ...quiet })).rejects.toThrow(/uses no tfjs-core it can find/);
    expect(orphan.loaded).toEqual([]);
  });

  it('falls back to wasm and records every reason; `mtcgcnn info` prints them and how to get the native backend', async () => {
    const native = fakeNative(
      { '@tensorflow/tfjs-node': { version: '4.22.0', tfjsCore: '4.22.0' }, '@tensorflow/tfjs-node-gpu': { version: '4.20.0', tfjsCore: '4.20.0' } },
      () => {
        throw new Error('libtensorflow.so.2: cannot open shared object file: No such file or directory\n    at Module._extensions..node');
      },
    );
    const info = await initBackend({ native, ...quiet });
    expect(info.name).toBe('wasm');
    expect(info.forced).toBe(false);
    expect(native.loaded).toEqual(['@tensorflow/tfjs-node']);
    expect(info.fallbackReason).toBe(
      '@tensorflow/tfjs-node-gpu 4.20.0 was skipped: it uses tfjs-core 4.20.0 but the app uses tfjs-core 4.22.0; ' +
        'reinstall it as @tensorflow/tfjs-node-gpu@4.22.0; ' +
        '@tensorflow/tfjs-node 4.22.0 failed to load: libtensorflow.so.2: cannot open shared object file: No such file or directory',
    );

    const out: string[] = [];
    const code = await runCommand(infoCommand, [], { out: (l) => out.push(l), err: () => undefined, progress: () => undefined, isTty: false });
    expect(code).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(/^backend: +wasm \(WebAssembly/m);
    expect(text).toContain(`fallback:     ${info.fallbackReason}`);
    expect(text).toMatch(/^GPU backend: .*npm install @tensorflow\/tfjs-node-gpu@4\.22\.0.*npm install @tensorflow\/tfjs-node@4\.22\.0/m);
  });

  it('uses a native package that loads and registers the tensorflow backend; nothing of the project is registered for it', async () => {
    const native = tfjsNodeStandIn({ loadUnion: false });
    const info = await initBackend({ native, ...quiet });
    expect(native.loaded).toEqual(['@tensorflow/tfjs-node']);
    expect(info).toMatchObject({ name: 'tensorflow', kind: 'node', tfBackend: 'tensorflow', forced: false });
    expect(info.fallbackReason).toBe('@tensorflow/tfjs-node-gpu is not installed');
    expect(info.versions['tfjs-node']).toBe('4.22.0');
    expect(tf.getBackend()).toBe('tensorflow');
    // No project kernel (fused, grouped, fixes) exists for the native backend.
    expect(tf.getKernelsForBackend('tensorflow').filter((k) => k.kernelName.startsWith('Cgcnn'))).toEqual([]);
  });
});
