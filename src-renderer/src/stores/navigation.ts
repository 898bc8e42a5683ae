/** The current section, mirrored in the URL hash (#/datasets) so a reload stays where the user was. */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { DEFAULT_SECTION, sectionById, type SectionId } from '../navigation';

function fromHash(): SectionId {
  const id = window.location.hash.replace(/^#\/?/, '');
  return sectionById(id)?.id ?? DEFAULT_SECTION;
}

export const useNavigationStore = defineStore('navigation', () => {
  const current = ref<SectionId>(fromHash());
  const section = computed(() => sectionById(current.value)!);

  function go(id: SectionId): void {
    current.value = id;
    if (window.location.hash !== `#/${id}`) window.history.replaceState(null, '', `#/${id}`);
  }

  window.addEventListener('hashchange', () => {
    current.value = fromHash();
  });

  return { current, section, go };
});
