/**
 * The screening selected in the Screening view: its detail, its job (the one it runs under, or the one it was resumed
 * with) and its results table, reloaded when the job ends (a stopped screening's partial results included).
 * Failed calls go to `report`; answers for a screening no longer selected are dropped.
 */
import { computed, ref, shallowRef, watch, type Ref } from 'vue';
import type { ScreeningDetail, ScreeningTable } from '@contract';
import { invoke, toIpcCallError, type IpcCallError } from '../ipc/client';
import { isFinal, useJobsStore } from '../stores/jobs';

export function useSelectedScreening(selectedId: Ref<string | null>, report: (error: IpcCallError | null) => void) {
  const jobs = useJobsStore();
  const detail = shallowRef<ScreeningDetail | null>(null);
  const table = shallowRef<ScreeningTable | null>(null);
  const loadingTable = ref(false);
  const resumedJob = ref<string | null>(null);

  const jobId = computed(() => detail.value?.jobId ?? resumedJob.value);
  const job = computed(() => (jobId.value ? jobs.byId[jobId.value] : undefined));
  const running = computed(() => job.value !== undefined && !isFinal(job.value.state));

  async function loadDetail(): Promise<void> {
    const id = selectedId.value;
    if (!id) return;
    try {
      const d = await invoke('screen:detail', { screeningId: id });
      if (id !== selectedId.value) return;
      detail.value = d;
      if (d.screening.state === 'done' && !table.value) await loadTable();
    } catch (err) {
      report(toIpcCallError(err, 'screen:detail'));
    }
  }

  /** `quiet`: a screening that stopped may have no results yet, which is no error. */
  async function loadTable(quiet = false): Promise<void> {
    const id = selectedId.value;
    if (!id) return;
    loadingTable.value = true;
    try {
      const t = await invoke('screen:table', { screeningId: id });
      if (id === selectedId.value) table.value = t;
    } catch (err) {
      if (!quiet) report(toIpcCallError(err, 'screen:table'));
    } finally {
      loadingTable.value = false;
    }
  }

  async function resume(): Promise<void> {
    if (!selectedId.value) return;
    report(null);
    try {
      resumedJob.value = (await invoke('screen:resume', { screeningId: selectedId.value })).jobId;
      await loadDetail();
    } catch (err) {
      report(toIpcCallError(err, 'screen:resume'));
    }
  }

  watch(selectedId, () => {
    detail.value = null;
    table.value = null;
    resumedJob.value = null;
    void loadDetail();
  });
  watch(
    () => job.value?.state,
    async (s, old) => {
      if (!s || !isFinal(s) || s === old) return;
      table.value = null;
      await loadDetail(); // loads the table when the screening is done
      if (detail.value && detail.value.screening.state !== 'done') await loadTable(true); // partial results, if any
    },
  );

  return { detail, table, loadingTable, jobId, running, resume };
}
