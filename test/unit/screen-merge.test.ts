import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvLine, mergeScreenCsv, parseCsvText, screenFolder, shardOf, type ScreenOptions } from '../../src-main/core/screen';
import { compositionModel, makeFixture, readRows, tempDir, type FixtureInfo } from '../fixtures/screen/helpers';

let fx: FixtureInfo;
let out: string;
let reference: string;
const N = 3;

function opts(name: string, extra: Partial<ScreenOptions> = {}): ScreenOptions {
  return { inputDir: fx.dir, outPath: path.join(out, name), recursive: true, threads: 0, fsync: false, chunkSize: 8, batchSize: 32, readOptions: { maxBytes: fx.maxBytes }, ...extra };
}

beforeAll(async () => {
  fx = makeFixture();
  out = tempDir('screen-merge');
  await screenFolder(opts('all.csv'), compositionModel({ ensembleSize: 2 }));
  reference = fs.readFileSync(path.join(out, 'all.csv'), 'utf8');
  for (let i = 1; i <= N; i++) await screenFolder(opts(`shard-${i}.csv`, { shard: { index: i, count: N } }), compositionModel({ ensembleSize: 2 }));
});
afterAll(() => {
  fs.rmSync(fx.dir, { recursive: true, force: true });
  fs.rmSync(out, { recursive: true, force: true });
});

const shardPaths = (): string[] => Array.from({ length: N }, (_, i) => path.join(out, `shard-${i + 1}.csv`));

describe('shards and merge', () => {
  it('shards are disjoint, cover every file, and follow the path hash', () => {
    const all = new Set(readRows(path.join(out, 'all.csv')).rows.map((r) => r.file));
    const seen = new Map<string, number>();
    shardPaths().forEach((p, k) => {
      const files = new Set(readRows(p).rows.map((r) => r.file));
      expect(files.size).toBeGreaterThan(5);
      for (const f of files) {
        expect(seen.has(f), `${f} in two shards`).toBe(false);
        seen.set(f, k + 1);
        expect(shardOf(f, N)).toBe(k + 1);
      }
    });
    expect(new Set(seen.keys())).toEqual(all);
  });

  it('merging the shards gives exactly the unsharded output', async () => {
    const s = await mergeScreenCsv(shardPaths().reverse(), path.join(out, 'merged.csv'));
    expect(fs.readFileSync(path.join(out, 'merged.csv'), 'utf8')).toBe(reference);
    expect(s).toMatchObject({ inputs: N, method: 'streamed', duplicateFiles: 0, failedFiles: Object.keys(fx.bad).length, partialLinesDropped: 0 });
    expect(s.rows).toBe(readRows(path.join(out, 'all.csv')).rows.length);
  });

  it('de-duplicates by file, keeps multi-row files whole, prefers error-free rows, drops partial lines', async () => {
    const [s1, s2] = shardPaths();
    const dup = path.join(out, 'dup.csv');
    // A copy of shard 1 where every row says error, and cut mid-row at the end.
    const { records } = parseCsvText(fs.readFileSync(s1, 'utf8'));
    const errored = [records[0], ...records.slice(1).map((r) => [...r.slice(0, -1), 'boom'])].map(csvLine).join('');
    fs.writeFileSync(dup, errored + csvLine(records[1]).slice(0, 5));
    const warnings: string[] = [];
    const s = await mergeScreenCsv([dup, s1, s2, shardPaths()[2]], path.join(out, 'dedup.csv'), { onWarning: (m) => warnings.push(m) });
    // Clean rows win over the errored copies; files that failed in both keep the first input's rows.
    const ref = readRows(path.join(out, 'all.csv')).rows;
    const got = readRows(path.join(out, 'dedup.csv')).rows;
    const inS1 = new Set(readRows(s1).rows.map((r) => r.file));
    expect(got).toEqual(ref.map((r) => (r.error !== '' && inS1.has(r.file) ? { ...r, error: 'boom' } : r)));
    expect(got.some((r) => r.error === 'boom')).toBe(true);
    expect(s.duplicateFiles).toBe(new Set(readRows(s1).rows.map((r) => r.file)).size);
    expect(s.partialLinesDropped).toBe(1);
    expect(warnings.join('\n')).toMatch(/partial last line/);
    const merged = readRows(path.join(out, 'dedup.csv')).rows;
    expect(merged.filter((r) => r.file === 'multi.cif')).toHaveLength(2);
  });

  it('falls back to sorting in memory for an unsorted input', async () => {
    const [s1, s2, s3] = shardPaths();
    const { records } = parseCsvText(fs.readFileSync(s2, 'utf8'));
    const shuffled = path.join(out, 'shuffled.csv');
    fs.writeFileSync(shuffled, [records[0], ...records.slice(1).reverse()].map(csvLine).join(''));
    const warnings: string[] = [];
    const s = await mergeScreenCsv([s1, shuffled, s3], path.join(out, 'unsorted.csv'), { onWarning: (m) => warnings.push(m) });
    expect(s.method).toBe('in-memory');
    expect(warnings.join('\n')).toMatch(/not sorted/);
    // The two-block CIF's rows are reversed in the shuffled input and kept in that input's order.
    const got = fs.readFileSync(path.join(out, 'unsorted.csv'), 'utf8');
    const multiShard = shardOf('multi.cif', N);
    if (multiShard === 2) {
      expect(readRows(path.join(out, 'unsorted.csv')).rows.filter((r) => r.file === 'multi.cif').map((r) => r.id)[0]).toBe('multi#second');
    } else {
      expect(got).toBe(reference);
    }
    expect(readRows(path.join(out, 'unsorted.csv')).rows.map((r) => r.file)).toEqual(readRows(path.join(out, 'all.csv')).rows.map((r) => r.file));
  });

  it('refuses different headers, an existing output, and the output as input; skips empty inputs', async () => {
    const [s1, s2] = shardPaths();
    const other = path.join(out, 'other.csv');
    fs.writeFileSync(other, 'id,file,formula,n_atoms,x (eV),out_of_domain,error\n');
    await expect(mergeScreenCsv([s1, other], path.join(out, 'x.csv'))).rejects.toThrow(/different columns/);
    expect(fs.existsSync(path.join(out, 'x.csv'))).toBe(false);
    expect(fs.readdirSync(out).filter((f) => f.includes('.tmp'))).toEqual([]);
    await expect(mergeScreenCsv([s1, s2], path.join(out, 'merged.csv'))).rejects.toThrow(/already exists/);
    await expect(mergeScreenCsv([s1, s2], s2, { force: true })).rejects.toThrow(/also an input/);
    const empty = path.join(out, 'empty.csv');
    fs.writeFileSync(empty, '');
    const warnings: string[] = [];
    const s = await mergeScreenCsv([empty, ...shardPaths()], path.join(out, 'merged.csv'), { force: true, onWarning: (m) => warnings.push(m) });
    expect(s.inputs).toBe(N);
    expect(warnings.join('\n')).toMatch(/empty\.csv has no header/);
    expect(fs.readFileSync(path.join(out, 'merged.csv'), 'utf8')).toBe(reference);
  });
});
