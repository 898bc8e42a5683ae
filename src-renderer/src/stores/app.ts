/** App-wide facts from main (`app:info`): version, runtime versions, compute backend, CPU count, projects folder. */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { AppInfo, BackendName } from '@contract';
import { invoke, toIpcCallError, type IpcCallError } from '../ipc/client';

/** Display names of the compute backends. */
export const BACKEND_LABELS: Record<BackendName, string> = {
  'tensorflow-gpu': 'TensorFlow GPU (CUDA)',
  tensorflow: 'TensorFlow native CPU',
  wasm: 'WebAssembly',
  cpu: 'JavaScript CPU',
};

export const useAppStore = defineStore('app', () => {
  const info = shallowRef<AppInfo | null>(null);
  const error = shallowRef<IpcCallError | null>(null);
  const loading = ref(false);
  let inFlight: Promise<void> | null = null;

  const backend = computed(() => info.value?.backend ?? null);
  const backendName = computed<BackendName | null>(() => info.value?.backend.name ?? null);
  const appVersion = computed(() => info.value?.appVersion ?? null);
  /** True when a faster backend than the one in use could be installed. */
  const onFallbackBackend = computed(() => Boolean(info.value?.backend.fallbackReason));

  /** Loads app:info (again, when `force`); concurrent calls share one round trip. */
  function load(force = false): Promise<void> {
    if (inFlight) return inFlight;
    if (info.value && !force) return Promise.resolve();
    loading.value = true;
    inFlight = invoke('app:info')
      .then((value) => {
        info.value = value;
        error.value = null;
      })
      .catch((err: unknown) => {
        error.value = toIpcCallError(err, 'app:info');
      })
      .finally(() => {
        loading.value = false;
        inFlight = null;
      });
    return inFlight;
  }

  /** Data-parallel training threads runs use by default on this machine. */
  const trainingWorkers = computed(() => info.value?.trainingWorkers ?? 1);
  return { info, error, loading, backend, backendName, appVersion, onFallbackBackend, trainingWorkers, load };
});
