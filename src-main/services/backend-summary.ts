import type { BackendSummary } from '../../src-shared/contract';

export interface BackendDescription extends BackendSummary {
  threads: number;
  versions: Record<string, string>;
  /** Which implementation runs the convolutions (e.g. 'fused SIMD wasm kernels'). */
  kernels: string;
}

let pending: Promise<BackendDescription> | undefined;

/** Initializes the compute backend once per process and describes it for the UI, the CLI and run records. */
export function describeBackend(): Promise<BackendDescription> {
  pending ??= (async () => {
    const { initBackend } = await import('../core/compute/backend');
    const info = await initBackend();
    return {
      name: info.name,
      description: info.description,
      ...(info.fallbackReason ? { fallbackReason: info.fallbackReason } : {}),
      howToGetGpu: info.howToGetGpu,
      threads: info.threads,
      versions: info.versions,
      kernels: info.kernels,
    };
  })();
  return pending;
}
