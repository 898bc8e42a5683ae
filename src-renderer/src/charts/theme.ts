/** Chart colours from the app's design tokens, so charts follow the light and dark themes. */
export interface ChartTheme {
  text: string;
  muted: string;
  faint: string;
  border: string;
  surface: string;
  accent: string;
  danger: string;
  ok: string;
  warn: string;
  /** Colour-blind-safe series palette (Okabe-Ito). */
  palette: string[];
  font: string;
}

export function readChartTheme(): ChartTheme {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  const dark = document.documentElement.dataset.theme === 'dark';
  return {
    text: v('--text', '#1b2430'),
    muted: v('--text-muted', '#566273'),
    faint: v('--text-faint', '#7f8a99'),
    border: v('--border', '#dbe0e7'),
    surface: v('--surface', '#ffffff'),
    accent: v('--accent', '#1f5fc4'),
    danger: v('--danger', '#b42c26'),
    ok: v('--ok', '#1d7d46'),
    warn: v('--warn', '#9a5b00'),
    palette: dark
      ? ['#56B4E9', '#E69F00', '#4cc17d', '#CC79A7', '#F0E442', '#ff8c69', '#9aa6b5']
      : ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#4b5563'],
    font: v('--font-ui', 'sans-serif'),
  };
}

/** Axis styling shared by all charts. */
export function axisStyle(t: ChartTheme) {
  return {
    axisLine: { lineStyle: { color: t.border } },
    axisTick: { lineStyle: { color: t.border } },
    axisLabel: { color: t.muted, fontSize: 11 },
    splitLine: { lineStyle: { color: t.border, opacity: 0.6 } },
    nameTextStyle: { color: t.muted, fontSize: 11.5 },
  };
}
