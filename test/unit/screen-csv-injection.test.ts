/**
 * Spreadsheet formula injection: a cell that starts with =, +, -, @, tab or CR becomes a live formula when a
 * CSV is opened in a spreadsheet. Every CSV cell of ours goes through csvField, which neutralises such text
 * (numbers stay numbers), and the reader undoes it, so resume and merge still match rows exactly.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvField, csvLine } from '../../src-main/core/screen/csv-writer';
import { parseCsvText } from '../../src-main/core/screen/csv-reader';
import { mergeScreenCsv, screenFolder, type ScreenOptions } from '../../src-main/core/screen';
import { compositionModel, tempDir } from '../fixtures/screen/helpers';

const STRUCTURES = path.resolve(__dirname, '../fixtures/structures');
const DANGEROUS = /^[=+\-@\t\r]/;

/** The cells of a CSV text as a spreadsheet would see them (RFC 4180, quotes removed). */
function rawCells(text: string): string[] {
  const cells: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') q = false;
      else cur += c;
    } else if (c === '"') q = true;
    else if (c === ',' || c === '\n') {
      cells.push(cur);
      cur = '';
    } else cur += c;
  }
  return cells;
}

describe('CSV cells cannot become spreadsheet formulas', () => {
  it('neutralises text cells that start with a formula character and leaves numbers alone', () => {
    for (const v of ['=HYPERLINK("x","click")', '+cmd', '-cmd|calc', '@SUM(1+1)', '\t=1', '\r=1', '=1+2']) {
      const cell = rawCells(csvLine([v]))[0];
      expect(cell, JSON.stringify(v)).not.toMatch(DANGEROUS);
      expect(cell.endsWith(v)).toBe(true);
    }
    for (const n of ['-1.23', '+4', '-0', '-1e-5', '1.5E+3', '-.5', '0', '12']) expect(csvField(n)).toBe(n);
    expect(csvField('plain.cif')).toBe('plain.cif');
  });

  it('the reader gives back exactly what was written, including text that already starts with a quote', () => {
    const values = ['=1+2', "'=1+2", "''", "'", "'abc", '-1.23', '-x', '@', '+', '\tx', 'a,"b"', '', "x'"];
    const text = csvLine(values);
    expect(parseCsvText(text).records).toEqual([values]);
  });

  describe('screening, resume and merge with hostile file and block names', () => {
    let dir: string;
    let out: string;
    const hostile = ['=HYPERLINK("x","click").cif', '+cmd.cif', '@SUM(1+1).cif', '-rf.cif', 'plain.cif'];
    const opts = (name: string, extra: Partial<ScreenOptions> = {}): ScreenOptions => ({
      inputDir: dir, outPath: path.join(out, name), threads: 0, fsync: false, chunkSize: 2, batchSize: 4, ...extra,
    });

    beforeAll(() => {
      dir = tempDir('inject-in');
      out = tempDir('inject-out');
      const nacl = fs.readFileSync(path.join(STRUCTURES, 'NaCl-Fm-3m.cif'), 'utf8');
      for (const f of hostile) fs.writeFileSync(path.join(dir, f), nacl);
      fs.writeFileSync(path.join(dir, 'block.cif'), `${nacl}\n${nacl.replace(/^data_NaCl/m, 'data_=1+2')}`);
      fs.writeFileSync(path.join(dir, '=broken.cif'), 'not a structure at all\n');
    });
    afterAll(() => {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(out, { recursive: true, force: true });
    });

    it('writes no live formula, resumes without duplicates and merges to the same rows', async () => {
      await screenFolder(opts('full.csv'), compositionModel({ ensembleSize: 2 }));
      const full = fs.readFileSync(path.join(out, 'full.csv'), 'utf8');
      const cells = rawCells(full);
      const numeric = (c: string): boolean => c.trim() !== '' && Number.isFinite(Number(c));
      for (const c of cells) if (!numeric(c)) expect(c, JSON.stringify(c)).not.toMatch(DANGEROUS);
      // Negative predicted values are still numbers (the test model predicts negative formation energies).
      expect(cells.some((c) => /^-\d/.test(c) && numeric(c))).toBe(true);
      const { records } = parseCsvText(full);
      const files = records.slice(1).map((r) => r[1]);
      expect(new Set(files)).toEqual(new Set([...hostile, 'block.cif', '=broken.cif']));
      expect(records.filter((r) => r[1] === 'block.cif').map((r) => r[0])).toEqual(['block#NaCl', 'block#=1+2']);
      expect(records.find((r) => r[1] === '=HYPERLINK("x","click").cif')![0]).toBe('=HYPERLINK("x","click")');
      expect(records.find((r) => r[1] === '=broken.cif')!.at(-1)).not.toBe('');

      // Resume after a cut in the middle of the file: the same content, nothing written twice.
      const lines = full.split('\n');
      const cut = lines.slice(0, 4).join('\n') + '\n' + lines[4].slice(0, 3);
      fs.writeFileSync(path.join(out, 'resumed.csv'), cut);
      await screenFolder(opts('resumed.csv', { resume: true }), compositionModel({ ensembleSize: 2 }));
      expect(fs.readFileSync(path.join(out, 'resumed.csv'), 'utf8')).toBe(full);
      // A second resume of a complete output skips every file it wrote (it redoes only the last one, by design).
      const again = await screenFolder(opts('resumed.csv', { resume: true }), compositionModel({ ensembleSize: 2 }));
      expect(again.skipped).toBe(hostile.length + 1);
      expect(fs.readFileSync(path.join(out, 'resumed.csv'), 'utf8')).toBe(full);

      // Merge reads the neutralised cells back and writes them once, not twice.
      await mergeScreenCsv([path.join(out, 'full.csv'), path.join(out, 'resumed.csv')], path.join(out, 'merged.csv'));
      expect(fs.readFileSync(path.join(out, 'merged.csv'), 'utf8')).toBe(full);
    });
  });
});
