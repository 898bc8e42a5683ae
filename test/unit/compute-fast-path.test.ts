// The fused convolution kernels reach into tfjs-wasm internals (wasm.asm.memory, _malloc, dataIdMap). If a tfjs
// upgrade moved them, training would fall back to the ~7x slower JavaScript kernels; these tests make that loud.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/core/compute/backend';
import { activeEdgeKernelPath, simdKernelsActive, wasmInternalsProblem } from '../../src-main/core/compute/fused-kernels';
import { WasmJs } from '../../src-main/core/compute/simd-kernels';

describe('fast path on wasm', () => {
  it('the wasm backend runs the fused SIMD kernels, says so once at start-up, and records it in BackendInfo', async () => {
    const logged: string[] = [];
    const warned: string[] = [];
    const info = await initBackend({ force: 'wasm', skipNative: true, log: (m) => logged.push(m), warn: (m) => warned.push(m) });
    expect(info.name).toBe('wasm');
    expect(wasmInternalsProblem(tf.backend())).toBeNull();
    expect(simdKernelsActive()).toBe(true);
    expect(activeEdgeKernelPath()).toEqual({ kind: 'simd-wasm', description: 'fused SIMD wasm kernels' });
    expect(info.kernels).toBe('fused SIMD wasm kernels');
    expect(info.warnings).toEqual([]);
    expect(warned).toEqual([]);
    expect(logged).toEqual([`compute backend: ${info.description}; convolution kernels: fused SIMD wasm kernels`]);
    // Once per process: a second call returns the same backend without logging again.
    await initBackend({ force: 'wasm', skipNative: true, log: (m) => logged.push(m) });
    expect(logged).toHaveLength(1);
  });

  it('names the missing internal when the wasm module does not have what the SIMD kernels use', () => {
    const memory = new WasmJs.Memory({ initial: 1 });
    const fn = (): number => 0;
    const whole = { wasm: { asm: { memory }, _malloc: fn, _free: fn }, dataIdMap: { get: fn } };
    expect(wasmInternalsProblem(whole)).toBeNull();
    expect(wasmInternalsProblem({})).toMatch(/no `wasm` module/);
    expect(wasmInternalsProblem({ ...whole, wasm: { ...whole.wasm, asm: {} } })).toMatch(/wasm\.asm\.memory/);
    expect(wasmInternalsProblem({ ...whole, wasm: { asm: { memory } } })).toMatch(/_malloc/);
    expect(wasmInternalsProblem({ wasm: whole.wasm })).toMatch(/dataIdMap/);
  });
});
