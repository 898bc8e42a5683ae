import { describe, expect, it } from 'vitest';
import { IdPropError, isMissingCell, parseCsvRecords, parseIdProp, parseNumberCell } from '../../src-main/core/dataset/id-prop';

const labels = (t: ReturnType<typeof parseIdProp>) => t.rows.map((r) => Array.from(r.labels));

describe('parseIdProp', () => {
  it('reads a header row as task names', () => {
    const t = parseIdProp('id,formation_energy_per_atom_eV,band_gap_eV\nmp-1,-1.5,0\nmp-2,0.25,1e-2\n');
    expect(t.hasHeader).toBe(true);
    expect(t.idColumn).toBe('id');
    expect(t.tasks).toEqual(['formation_energy_per_atom_eV', 'band_gap_eV']);
    expect(t.rows.map((r) => [r.id, r.line])).toEqual([['mp-1', 2], ['mp-2', 3]]);
    expect(labels(t)).toEqual([[-1.5, 0], [0.25, 0.01]]);
    expect(t.issues).toEqual([]);
    expect(t.dataLines).toBe(2);
  });

  it('names tasks target_1..k without a header (CGCNN files)', () => {
    const t = parseIdProp('0,-0.57,0.0\n1,0.047,0.0137\n');
    expect(t.hasHeader).toBe(false);
    expect(t.idColumn).toBeNull();
    expect(t.tasks).toEqual(['target_1', 'target_2']);
    expect(t.rows.map((r) => r.id)).toEqual(['0', '1']);
    expect(t.rows[0].line).toBe(1);
  });

  it('reads missing labels as NaN', () => {
    const t = parseIdProp('a,,1\nb,nan,NaN\nc,None,null\nd, NA ,N/A\n');
    expect(t.hasHeader).toBe(false);
    expect(labels(t).flat().filter((v) => Number.isNaN(v)).length).toBe(7);
    expect(t.rows[0].labels[1]).toBe(1);
  });

  it('a first row with missing cells only is data, not a header', () => {
    const t = parseIdProp('a,,\nb,1,2\n');
    expect(t.hasHeader).toBe(false);
    expect(t.rows.length).toBe(2);
  });

  it('handles BOM, CRLF, CR, quotes, blank lines and whitespace', () => {
    const text = '\ufeffid,"energy, eV","say ""hi"""\r\n\r\n"mp-1", -1.0 ,"2.5"\r\n  \r\nmp-2,3,4\rmp-3,5,6';
    const t = parseIdProp(text);
    expect(t.tasks).toEqual(['energy, eV', 'say "hi"']);
    expect(t.idColumn).toBe('id');
    expect(t.rows.map((r) => [r.id, r.line])).toEqual([['mp-1', 3], ['mp-2', 5], ['mp-3', 6]]);
    expect(labels(t)).toEqual([[-1, 2.5], [3, 4], [5, 6]]);
  });

  it('counts lines inside quoted fields with embedded newlines', () => {
    const t = parseIdProp('id,"multi\nline"\nx,1\ny,oops\n');
    expect(t.tasks).toEqual(['multi\nline']);
    expect(t.rows[0].line).toBe(3);
    expect(t.issues[0].line).toBe(4);
  });

  it('reports malformed rows with line numbers and keeps the rest', () => {
    const t = parseIdProp('id,a,b\nx,1,2\ny,1\nz,1,2,3\nw,abc,1\nv,inf,1\n,1,2\n../etc,1,2\nu,0x10,1\nok,1e400,1\nlast,7,8\n');
    expect(t.rows.map((r) => r.id)).toEqual(['x', 'last']);
    expect(t.issues.map((i) => [i.line, i.kind])).toEqual([
      [3, 'column-count'],
      [4, 'column-count'],
      [5, 'non-numeric'],
      [6, 'non-finite'],
      [7, 'bad-id'],
      [8, 'bad-id'],
      [9, 'non-numeric'],
      [10, 'non-finite'],
    ]);
    expect(t.issues[0].message).toMatch(/expected 3 columns \(id \+ 2 values\), found 2/);
    expect(t.issues[2].message).toMatch(/column 2 \(a\): "abc" is not a finite number/);
    expect(t.dataLines).toBe(10);
  });

  it('keeps the first of duplicate ids and reports all their lines', () => {
    const t = parseIdProp('a,1\nb,2\na,3\na,4\n');
    expect(t.rows.map((r) => [r.id, r.labels[0]])).toEqual([['a', 1], ['b', 2]]);
    expect(t.duplicates).toEqual([{ id: 'a', lines: [1, 3, 4] }]);
    expect(t.issues.filter((i) => i.kind === 'duplicate-id').map((i) => i.line)).toEqual([3, 4]);
  });

  it('makes repeated or empty header names unique', () => {
    const t = parseIdProp('id,e,e,,x\nq,1,2,3,4\n');
    expect(t.tasks).toEqual(['e', 'e_2', 'target_3', 'x']);
  });

  it('honours a forced header setting', () => {
    expect(parseIdProp('1,2\n3,4\n', { header: true }).tasks).toEqual(['2']);
    const t = parseIdProp('id,a\nx,1\n', { header: false });
    expect(t.rows.map((r) => r.id)).toEqual(['x']);
    expect(t.issues[0]).toMatchObject({ line: 1, kind: 'non-numeric' });
  });

  it('strict mode throws an IdPropError listing the problems', () => {
    expect(() => parseIdProp('id,a\nx,1\ny\n', { strict: true, source: 'my.csv' })).toThrow(IdPropError);
    expect(() => parseIdProp('id,a\nx,1\ny\n', { strict: true, source: 'my.csv' })).toThrow(/my\.csv: 1 problem\n {2}line 3: expected 2 columns/);
    expect(parseIdProp('id,a\nx,1\n', { strict: true }).rows.length).toBe(1);
  });

  it('empty text gives an empty table; an id-only file has no tasks', () => {
    expect(parseIdProp('')).toMatchObject({ tasks: [], rows: [], issues: [] });
    expect(parseIdProp('\ufeff\r\n')).toMatchObject({ tasks: [], rows: [] });
    const ids = parseIdProp('a\nb\n');
    expect(ids.tasks).toEqual([]);
    expect(ids.rows.map((r) => r.id)).toEqual(['a', 'b']);
  });

  it('reports an unterminated quote', () => {
    const t = parseIdProp('id,a\nx,"1\n');
    expect(t.issues.some((i) => i.kind === 'quote' && i.line === 2)).toBe(true);
  });

  it('parses 25k rows', () => {
    const lines = ['id,a,b,c'];
    for (let i = 0; i < 25_000; i++) lines.push(`mp-${i},${i * 0.001},${i % 7 === 0 ? '' : '1.5'},${-i}`);
    const t0 = performance.now();
    const t = parseIdProp(lines.join('\n'));
    expect(t.rows.length).toBe(25_000);
    expect(performance.now() - t0).toBeLessThan(60_000); // generous: catches a quadratic blow-up only (bench/ measures speed)
  });
});

describe('CSV helpers', () => {
  it('parseCsvRecords keeps a quoted empty field and skips blank lines', () => {
    expect(parseCsvRecords('""\n\na,b\n')).toEqual([
      { fields: [''], line: 1 },
      { fields: ['a', 'b'], line: 3 },
    ]);
  });
  it('numbers and missing cells', () => {
    expect(parseNumberCell(' -1.5e-3 ')).toBe(-0.0015);
    expect(parseNumberCell('.5')).toBe(0.5);
    expect(parseNumberCell('5.')).toBe(5);
    expect(parseNumberCell('1,5')).toBeUndefined();
    expect(parseNumberCell('0x10')).toBeUndefined();
    expect(parseNumberCell('')).toBeUndefined();
    expect(isMissingCell(' NaN ')).toBe(true);
    expect(isMissingCell('None')).toBe(true);
    expect(isMissingCell('0')).toBe(false);
  });
});
