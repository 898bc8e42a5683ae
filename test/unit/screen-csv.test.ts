import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { csvField, csvLine, DurableAppender } from '../../src-main/core/screen/csv-writer';
import { CsvRecordParser, iterateCsvRecords, parseCsvText, readCsvFile, type CsvRecord } from '../../src-main/core/screen/csv-reader';
import { outputLayout, readableHeader } from '../../src-main/core/screen/columns';
import { tempDir } from '../fixtures/screen/helpers';

const dir = tempDir('screen-csv');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('CSV writing (RFC 4180 quoting)', () => {
  it('quotes only fields that need it and doubles quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('')).toBe('');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\r')).toBe('"cr\r"');
    expect(csvField(' spaced ')).toBe(' spaced ');
    expect(csvLine(['id', 'a,b', '', 'Fe2O3'])).toBe('id,"a,b",,Fe2O3\n');
  });

  it('round-trips awkward fields through the reader, whatever the chunking', () => {
    const records = [
      ['id', 'file', 'error'],
      ['x#data_1', 'dir with space/a,b.cif', 'syntax (line 3): unexpected "quote"'],
      ['ü€😀', 'multi\nline', ''],
      ['', '', ''],
      ['last', '"', ',,'],
    ];
    const text = records.map(csvLine).join('');
    const bytes = Buffer.from(text, 'utf8');
    for (const size of [1, 2, 3, 7, 64, bytes.length]) {
      const parser = new CsvRecordParser();
      const got: CsvRecord[] = [];
      for (let i = 0; i < bytes.length; i += size) parser.feed(Buffer.from(bytes.subarray(i, i + size)), (r) => got.push(r));
      expect(got.map((r) => r.fields), `chunk ${size}`).toEqual(records);
      expect(parser.hasPartial).toBe(false);
      expect(got[got.length - 1].end).toBe(bytes.length);
      // Record offsets delimit exactly the record's bytes.
      for (const [i, r] of got.entries()) expect(bytes.subarray(r.start, r.end).toString('utf8')).toBe(csvLine(records[i]));
    }
  });

  it('accepts CRLF, skips blank lines and reports a partial last record', () => {
    expect(parseCsvText('a,b\r\n1,"2"\r\n\r\n3,4\n')).toEqual({ records: [['a', 'b'], ['1', '2'], ['3', '4']], partial: false });
    expect(parseCsvText('a,b\n1,2\n3,')).toEqual({ records: [['a', 'b'], ['1', '2']], partial: true });
    expect(parseCsvText('a,b\n1,"open\nstill open')).toEqual({ records: [['a', 'b']], partial: true });
    expect(parseCsvText('a,b\n1,2')).toEqual({ records: [['a', 'b']], partial: true });
  });

  it('reads files in a streaming way and can stop early', async () => {
    const p = path.join(dir, 'big.csv');
    const rows = Array.from({ length: 20000 }, (_, i) => csvLine([String(i), `f${i}.cif`, i % 7 === 0 ? 'err, "x"' : '']));
    fs.writeFileSync(p, csvLine(['id', 'file', 'error']) + rows.join('') + '99999,partial');
    let n = 0;
    const s = await readCsvFile(p, () => {
      n++;
    });
    expect(n).toBe(20001);
    expect(s.partial).toBe(true);
    expect(s.bytes - s.completeBytes).toBe('99999,partial'.length);
    let seen = 0;
    await readCsvFile(p, () => ++seen < 5);
    expect(seen).toBe(5);
    const it = iterateCsvRecords(p);
    expect((await it.next()).value).toMatchObject({ fields: ['id', 'file', 'error'], start: 0 });
    await it.return(undefined as never);
  });
});

describe('DurableAppender', () => {
  it('appends blocks, truncates on open when asked, and reports the size', () => {
    const p = path.join(dir, 'append.csv');
    const a = new DurableAppender(p);
    a.append('h\n');
    a.append('1\n2\n');
    expect(a.size).toBe(6);
    a.close();
    const b = new DurableAppender(p, { truncateTo: 4 });
    expect(b.size).toBe(4);
    b.append('x\n');
    b.close();
    expect(fs.readFileSync(p, 'utf8')).toBe('h\n1\nx\n');
    expect(() => b.append('late')).toThrow(/closed/);
  });
});

describe('readableHeader (the CSV people read)', () => {
  const tasks = [
    { name: 'formation_energy_per_atom_eV', unit: 'eV/atom' },
    { name: 'band_gap_eV', unit: 'eV' },
    { name: 'is_metal', unit: 'probability' },
  ];
  const model = { tasks: tasks.map((t) => ({ ...t, kind: t.unit === 'probability' ? ('classification' as const) : ('regression' as const) })), ensembleSize: 3, decisionThresholds: undefined };

  it('names every column of a screening layout for people, with its unit', () => {
    const { header } = outputLayout(model);
    expect(readableHeader(header, tasks)).toEqual([
      'ID', 'File', 'Formula', 'Atoms in cell',
      'Formation energy (eV/atom)', 'Formation energy ensemble std (eV/atom)',
      'Band gap (eV)', 'Band gap ensemble std (eV)',
      'Metal / non-metal (probability)', 'Metal / non-metal ensemble std (probability)',
      'Metal / non-metal', 'Outside training domain', 'Error',
    ]);
  });

  it('uses a recorded label, keeps clashing labels apart and leaves unknown columns as they are', () => {
    const two = [{ name: 'band_gap_eV', unit: 'eV' }, { name: 'band_gap_hse_eV', unit: 'eV' }, { name: 'k_vrh', unit: 'GPa', label: 'Bulk modulus (VRH)' }];
    const header = ['id', 'band_gap_eV (eV)', 'band_gap_hse_eV (eV)', 'k_vrh (GPa)', 'extra'];
    const readable = readableHeader(header, two);
    expect(readable).toEqual(['ID', 'Band gap [band_gap_eV] (eV)', 'Band gap [band_gap_hse_eV] (eV)', 'Bulk modulus (VRH) (GPa)', 'extra']);
    expect(new Set(readable).size).toBe(readable.length);
  });
});
