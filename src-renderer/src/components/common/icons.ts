/** Stroke icons (24x24 viewBox, drawn for this app; rendered by AppIcon.vue). */
export const ICONS = {
  folder: 'M3 6.5A1.5 1.5 0 0 1 4.5 5H9l2 2h8.5A1.5 1.5 0 0 1 21 8.5v9a1.5 1.5 0 0 1-1.5 1.5h-15A1.5 1.5 0 0 1 3 17.5z',
  table: 'M4 5h16v14H4z M4 10h16 M4 14.5h16 M10 10v9',
  cube: 'M12 3l8 4.5v9L12 21l-8-4.5v-9z M12 12l8-4.5 M12 12L4 7.5 M12 12v9',
  activity: 'M3 12h4l3-7 4 14 3-7h4',
  chart: 'M4 4v16h16 M7.5 16.5l3.5-4.5 3 2.5 5-6.5',
  filter: 'M4 5h16l-6 7.5V19l-4-2v-4.5z',
  file: 'M6 3h8l4 4v14H6z M14 3v4h4 M9 12h6 M9 16h6',
  info: 'M3 12a9 9 0 1 0 18 0a9 9 0 1 0-18 0 M12 11v5.5 M12 7.6v.2',
  sun: 'M8 12a4 4 0 1 0 8 0a4 4 0 1 0-8 0 M12 2.5v2 M12 19.5v2 M2.5 12h2 M19.5 12h2 M5.3 5.3l1.4 1.4 M17.3 17.3l1.4 1.4 M5.3 18.7l1.4-1.4 M17.3 6.7l1.4-1.4',
  moon: 'M20 14.5A8 8 0 1 1 9.5 4a6.5 6.5 0 0 0 10.5 10.5z',
  refresh: 'M20 12a8 8 0 1 1-2.34-5.66 M20 4v5h-5',
  alert: 'M12 3.5l9.5 16.5h-19z M12 10v4.5 M12 17.2v.2',
  check: 'M5 12.5l4.5 4.5L19 7.5',
  send: 'M4 12l16-8-6 16-2.5-5.5z M11.5 14.5L20 4',
  chip: 'M7 7h10v10H7z M10 3.5V7 M14 3.5V7 M10 17v3.5 M14 17v3.5 M3.5 10H7 M3.5 14H7 M17 10h3.5 M17 14h3.5',
  search: 'M4 11a7 7 0 1 0 14 0a7 7 0 1 0-14 0 M16 16l4.5 4.5',
  logo: 'M12 2.5l8.2 4.75v9.5L12 21.5l-8.2-4.75v-9.5z M12 2.5v19 M3.8 7.25l16.4 9.5 M20.2 7.25l-16.4 9.5',
} as const;

export type IconName = keyof typeof ICONS;
