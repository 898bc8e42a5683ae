/**
 * The open project (as main reports it) and the recent-projects list. Main tells the renderer when the project
 * changed on disk (`project:changed`: dataset imported, run finished, renamed, closed); the store re-reads it.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { InvokeChannel, ProjectInfo, RecentProject } from '@contract';
import { invoke, subscribe, toIpcCallError, type IpcCallError } from '../ipc/client';

export const useProjectStore = defineStore('project', () => {
  const project = shallowRef<ProjectInfo | null>(null);
  const recent = shallowRef<RecentProject[]>([]);
  const error = shallowRef<IpcCallError | null>(null);
  const busy = ref(false);
  /** True once the first project:current answer arrived (views wait for it before saying "no project"). */
  const loaded = ref(false);
  let unsubscribe: (() => void) | null = null;
  let refreshing: Promise<void> | null = null;

  const isOpen = computed(() => project.value !== null);
  const datasets = computed(() => project.value?.datasets ?? []);

  /** Runs an action, recording its error (shown by the view) instead of throwing. */
  async function act<T>(channel: InvokeChannel, fn: () => Promise<T>): Promise<T | null> {
    busy.value = true;
    error.value = null;
    try {
      return await fn();
    } catch (err) {
      error.value = toIpcCallError(err, channel);
      return null;
    } finally {
      busy.value = false;
    }
  }

  function refresh(): Promise<void> {
    refreshing ??= invoke('project:current')
      .then((p) => {
        project.value = p;
      })
      .catch((err: unknown) => {
        error.value = toIpcCallError(err, 'project:current');
      })
      .finally(() => {
        loaded.value = true;
        refreshing = null;
      });
    return refreshing;
  }

  async function loadRecent(): Promise<void> {
    try {
      recent.value = await invoke('project:recent');
    } catch (err) {
      error.value = toIpcCallError(err, 'project:recent');
    }
  }

  async function start(): Promise<void> {
    if (!unsubscribe) {
      unsubscribe = subscribe('project:changed', () => {
        void refresh();
        void loadRecent();
      });
    }
    await Promise.all([refresh(), loadRecent()]);
  }

  function stop(): void {
    unsubscribe?.();
    unsubscribe = null;
  }

  async function adopt(p: ProjectInfo | null): Promise<ProjectInfo | null> {
    if (p) project.value = p;
    await loadRecent();
    return p;
  }

  const create = (name: string, parentDir?: string) =>
    act('project:create', () => invoke('project:create', { name, ...(parentDir ? { parentDir } : {}) })).then(adopt);
  const open = (dir: string) => act('project:open', () => invoke('project:open', { dir })).then(adopt);
  const rename = (name: string) => act('project:rename', () => invoke('project:rename', { name })).then(adopt);

  async function close(): Promise<void> {
    await act('project:close', () => invoke('project:close'));
    project.value = null;
    await loadRecent();
  }

  async function forget(dir: string): Promise<void> {
    const list = await act('project:forget', () => invoke('project:forget', { dir }));
    if (list) recent.value = list;
  }

  function clearError(): void {
    error.value = null;
  }

  return { project, recent, error, busy, loaded, isOpen, datasets, start, stop, refresh, loadRecent, create, open, rename, close, forget, clearError };
});
