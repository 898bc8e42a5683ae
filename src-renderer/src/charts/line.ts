/** Line charts of training curves (per-task loss, validation MAE, task weights) in the app's theme. */
import { axisStyle, type ChartTheme } from './theme';

export interface LineSeries {
  name: string;
  points: [number, number | null][];
  dashed?: boolean;
}

export function lineOption(
  t: ChartTheme,
  o: { title: string; xName: string; yName: string; series: LineSeries[]; logY?: boolean; yMin?: number; yMax?: number },
): Record<string, unknown> {
  return {
    animation: false,
    textStyle: { fontFamily: t.font },
    color: t.palette,
    title: { text: o.title, left: 0, top: 0, textStyle: { fontSize: 12.5, fontWeight: 600, color: t.text } },
    legend: { top: 20, left: 0, textStyle: { color: t.muted, fontSize: 11 }, itemWidth: 14, itemHeight: 8 },
    grid: { left: 52, right: 14, top: 66, bottom: 38 },
    tooltip: {
      trigger: 'axis',
      backgroundColor: t.surface,
      borderColor: t.border,
      textStyle: { color: t.text, fontSize: 12 },
      valueFormatter: (v: unknown) => (typeof v === 'number' ? (Math.abs(v) >= 100 || Math.abs(v) < 1e-3 ? v.toExponential(3) : v.toPrecision(4)) : '—'),
    },
    xAxis: { type: 'value', name: o.xName, nameLocation: 'middle', nameGap: 24, minInterval: 1, ...axisStyle(t) },
    yAxis: {
      type: o.logY ? 'log' : 'value',
      name: o.yName,
      nameGap: 10,
      scale: true,
      ...(o.yMin !== undefined ? { min: o.yMin } : {}),
      ...(o.yMax !== undefined ? { max: o.yMax } : {}),
      ...axisStyle(t),
    },
    series: o.series.map((s) => ({
      type: 'line',
      name: s.name,
      data: s.points,
      showSymbol: s.points.length < 40,
      symbolSize: 5,
      lineStyle: { width: 2, ...(s.dashed ? { type: 'dashed' } : {}) },
      connectNulls: false,
    })),
  };
}
