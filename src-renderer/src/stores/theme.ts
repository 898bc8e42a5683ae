/** Light/dark theme: an explicit choice is stored in localStorage, otherwise the system preference applies. */
import { defineStore } from 'pinia';
import { ref, watch } from 'vue';

export type Theme = 'light' | 'dark';
export const THEME_STORAGE_KEY = 'cps.theme';

function storedTheme(): Theme | null {
  try {
    const v = window.localStorage.getItem(THEME_STORAGE_KEY);
    return v === 'light' || v === 'dark' ? v : null;
  } catch {
    return null;
  }
}

function systemTheme(): Theme {
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/** The theme to show at start-up (called before the app mounts, so the first paint has the right colours). */
export function initialTheme(): Theme {
  return storedTheme() ?? systemTheme();
}

export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
  document.documentElement.style.colorScheme = theme;
}

export const useThemeStore = defineStore('theme', () => {
  const theme = ref<Theme>(initialTheme());

  watch(
    theme,
    (t) => {
      applyTheme(t);
    },
    { immediate: true },
  );

  function set(t: Theme): void {
    theme.value = t;
    try {
      window.localStorage.setItem(THEME_STORAGE_KEY, t);
    } catch {
      // Storage can be unavailable (private mode); the theme still applies for this session.
    }
  }

  function toggle(): void {
    set(theme.value === 'dark' ? 'light' : 'dark');
  }

  return { theme, set, toggle };
});
