/**
 * HTML of chart tooltips. ECharts writes a tooltip formatter's return value with innerHTML, so every data value that
 * reaches it (crystal ids, task names, units, formatted numbers) goes through escapeHtml, the one HTML escape the
 * reports use too. Every `formatter` of the renderer's charts builds its HTML here.
 */
import { escapeHtml, formatValue } from '../format';

/** Parity plot point: the crystal id, true and predicted value with the unit. */
export function parityTooltipHtml(id: string, truth: number, predicted: number, unit: string): string {
  return (
    `<b>${escapeHtml(id)}</b><br/>true ${escapeHtml(formatValue(truth, unit))}<br/>predicted ${escapeHtml(formatValue(predicted, unit))}` +
    '<br/><span style="opacity:.7">click to view in 3D</span>'
  );
}

/** Label histogram bar: its value range with the unit and how many crystals fall in it. */
export function histogramTooltipHtml(lo: number | undefined, hi: number | undefined, count: number, unit: string): string {
  return `${escapeHtml(formatValue(lo, unit))} to ${escapeHtml(formatValue(hi, unit))}<br/><b>${escapeHtml(count)}</b> crystals`;
}
