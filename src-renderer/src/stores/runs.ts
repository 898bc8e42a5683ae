/** Which training run the Train and Results views show, and the runs picked for side-by-side comparison. */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { useNavigationStore } from './navigation';

export const useRunsStore = defineStore('runs', () => {
  const selectedRunId = ref<string | null>(null);
  const compareIds = ref<string[]>([]);

  function openInTrain(runId: string): void {
    selectedRunId.value = runId;
    useNavigationStore().go('train');
  }

  function openResults(runId: string): void {
    selectedRunId.value = runId;
    useNavigationStore().go('results');
  }

  return { selectedRunId, compareIds, openInTrain, openResults };
});
