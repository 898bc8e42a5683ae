/**
 * Chart tooltips are HTML (ECharts writes them with innerHTML): crystal ids, units and every other data value are
 * escaped, and every chart formatter in the renderer builds its HTML through charts/tooltips.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { histogramTooltipHtml, parityTooltipHtml } from '../../src-renderer/src/charts/tooltips';

const HOSTILE_ID = '<img src=x onerror="window.pwned=1">';

function rendererFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? rendererFiles(p) : /\.(ts|vue)$/.test(e.name) ? [p] : [];
  });
}

describe('chart tooltip HTML', () => {
  it('escapes a hostile crystal id and unit in the parity tooltip', () => {
    const html = parityTooltipHtml(HOSTILE_ID, 1.5, 1.25, '<b>eV</b>');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>eV');
    expect(html).toContain('&lt;img src=x onerror=&quot;window.pwned=1&quot;&gt;');
    expect(html).toContain('1.5 &lt;b&gt;eV&lt;/b&gt;');
  });

  it('escapes the unit in the label histogram tooltip', () => {
    const html = histogramTooltipHtml(0, 2, 7, '<svg onload=x>');
    expect(html).not.toContain('<svg');
    expect(html).toBe('0 &lt;svg onload=x&gt; to 2 &lt;svg onload=x&gt;<br/><b>7</b> crystals');
  });

  it('every chart formatter of the renderer goes through charts/tooltips.ts', () => {
    const root = path.resolve(__dirname, '../../src-renderer/src');
    for (const file of rendererFiles(root)) {
      if (file.endsWith(path.join('charts', 'tooltips.ts'))) continue;
      const src = fs.readFileSync(file, 'utf8');
      for (const m of src.matchAll(/\bformatter:\s*\([^)]*\)[^=]*=>\s*([^\n]*)/g)) {
        const body = m[1].trim() === '{' ? src.slice(m.index, m.index + 400) : m[1];
        expect(body, `${path.relative(root, file)}: ${m[0]}`).toMatch(/TooltipHtml\(/);
      }
    }
  });
});
