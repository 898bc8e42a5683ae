/**
 * What the Structures view shows: the dataset, the selected crystal and the viewer options. Other views (Projects,
 * Datasets, Results, Screening) open a crystal here through `show`.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { StructureRef } from '@contract';
import { useNavigationStore } from './navigation';

export const useStructuresStore = defineStore('structures', () => {
  const dataset = ref<string | null>(null);
  const selectedId = ref<string | null>(null);
  /** A crystal outside the dataset table (a screened file), shown in the viewer when set. */
  const external = ref<StructureRef | null>(null);
  /** Extra values to show next to the crystal (e.g. predictions from Results), by task name. */
  const annotations = ref<Record<string, string> | null>(null);
  const supercell = ref<1 | 2>(1);
  const showBonds = ref(false);

  /** Opens the Structures view on a dataset crystal (or just the dataset). */
  function show(name: string, id: string | null = null, notes: Record<string, string> | null = null): void {
    dataset.value = name;
    selectedId.value = id;
    external.value = null;
    annotations.value = notes;
    useNavigationStore().go('structures');
  }

  return { dataset, selectedId, external, annotations, supercell, showBonds, show };
});
