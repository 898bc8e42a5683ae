/** One IPC call as component state: pending flag, last value, last error. Stale answers are dropped. */
import { ref, shallowRef } from 'vue';
import type { InvokeChannel, ResponseOf } from '@contract';
import { invoke, toIpcCallError, type InvokeArgs, type IpcCallError } from '../ipc/client';

export function useIpcCall<C extends InvokeChannel>(channel: C) {
  const value = shallowRef<ResponseOf<C> | null>(null);
  const error = shallowRef<IpcCallError | null>(null);
  const pending = ref(false);
  /** Milliseconds of the last completed call, measured in the renderer (round trip). */
  const elapsedMs = ref<number | null>(null);
  let sequence = 0;

  async function run(...arg: InvokeArgs<C>): Promise<ResponseOf<C> | null> {
    const mine = ++sequence;
    pending.value = true;
    error.value = null;
    const started = performance.now();
    try {
      const result = await invoke(channel, ...arg);
      if (mine !== sequence) return null;
      value.value = result;
      return result;
    } catch (err) {
      if (mine !== sequence) return null;
      value.value = null;
      error.value = toIpcCallError(err, channel);
      return null;
    } finally {
      if (mine === sequence) {
        pending.value = false;
        elapsedMs.value = performance.now() - started;
      }
    }
  }

  /** Forgets the last answer and drops the call in flight (e.g. the selection it was for is gone). */
  function clear(): void {
    sequence++;
    value.value = null;
    error.value = null;
    pending.value = false;
  }

  return { value, error, pending, elapsedMs, run, clear };
}
