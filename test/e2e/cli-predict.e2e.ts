// `mtcgcnn predict` with the built CLI and the real shipped default model: every prediction carries the ensemble's
// standard deviation, the metal/non-metal call and the training-domain verdict, in the text, the JSON and the
// --out CSV (the columns of `mtcgcnn screen`). MTCGCNN_HOME is a temp folder so no user model leaks in.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'out', 'main', 'cli.js');
const NACL = path.join(ROOT, 'resources', 'demo', 'NaCl-rocksalt.cif');
const SHIPPED = path.join(ROOT, 'resources', 'models', 'mtcgcnn-e4-mp25k', 'model.json');
const work = mkdtempSync(path.join(os.tmpdir(), 'mtcgcnn-predict-'));
const ENV = { ...process.env, MTCGCNN_HOME: work, MTCGCNN_MODELS_PATH: '', NO_COLOR: '1' };
afterAll(() => rmSync(work, { recursive: true, force: true }));

function mtcgcnn(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { env: ENV, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!existsSync(SHIPPED))('mtcgcnn predict with the shipped default model (built CLI)', () => {
  // Radium never occurs in the shipped model's training crystals: RaCl in the rock-salt cell is out of domain.
  const RACL = path.join(work, 'RaCl.cif');
  const BROKEN = path.join(work, 'broken.cif');
  writeFileSync(RACL, readFileSync(NACL, 'utf8').replace(/\bNa(\d?)\b/g, 'Ra$1').replace(/_chemical_formula_\w+.*\n/g, ''));
  writeFileSync(BROKEN, 'data_broken\n_cell_length_a 4.0\nloop_\n_atom_site_label\n');

  it('text: mean ± std with units, the metal call and the domain verdict; a bad file fails the run', () => {
    const r = mtcgcnn('predict', NACL, RACL, BROKEN);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('using the shipped default model mtcgcnn-e4-mp25k');
    expect(r.stderr).toContain('1 of 3 structures could not be read');
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^NaCl-rocksalt\.cif \(NaCl, 8 atoms\): Formation energy = -?\d+\.\d{3} ± \d+\.\d{3} eV\/atom; Band gap = .* eV; Fermi energy = .* eV; Metal \/ non-metal = [01]\.\d{3} ± \d\.\d{3} probability \[(metal|non-metal)\]$/);
    expect(lines[1]).toContain('OUT OF DOMAIN (elements not in the training set: Ra)');
    expect(lines[2]).toMatch(/^broken\.cif: error: /);
  });

  it('--out CSV has the screening columns; --out JSON has the reasons; other extensions are refused', () => {
    const csv = path.join(work, 'p.csv');
    expect(mtcgcnn('predict', NACL, RACL, BROKEN, '--out', csv).status).toBe(1);
    const [header, ...rows] = readFileSync(csv, 'utf8').trim().split('\n').map((l) => l.split(','));
    expect(header).toEqual([
      'id', 'file', 'formula', 'n_atoms',
      'formation_energy_per_atom_eV (eV/atom)', 'formation_energy_per_atom_eV_std (eV/atom)',
      'band_gap_eV (eV)', 'band_gap_eV_std (eV)', 'efermi_eV (eV)', 'efermi_eV_std (eV)',
      'is_metal (probability)', 'is_metal_std (probability)',
      'metal', 'out_of_domain', 'error',
    ]);
    expect(rows.map((r) => r[header.indexOf('out_of_domain')])).toEqual(['false', 'true', '']);
    expect(Number(rows[0][5])).toBeGreaterThan(0);
    expect(rows[2][header.length - 1]).not.toBe('');

    const json = path.join(work, 'p.json');
    expect(mtcgcnn('predict', NACL, RACL, '--out', json).status).toBe(0);
    const results = JSON.parse(readFileSync(json, 'utf8')) as { outOfDomain: boolean; domainReasons: string[]; predictions: Record<string, { value: number; std: number }> }[];
    expect(results.map((r) => r.outOfDomain)).toEqual([false, true]);
    expect(results[1].domainReasons).toEqual(['elements not in the training set: Ra']);
    expect(results[0].predictions.band_gap_eV.std).toBeGreaterThan(0);
    // Same values in CSV and JSON (7 significant digits in the CSV).
    expect(Number(rows[0][4])).toBeCloseTo(results[0].predictions.formation_energy_per_atom_eV.value, 5);

    const bad = mtcgcnn('predict', NACL, '--out', path.join(work, 'p.txt'));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('must end in .csv or .json');
  });
});
