/**
 * Where the tests find data. One home for every path outside the repository:
 *
 *   - the shared data folder (default ../shared beside the repository, or the folder named by MTCGCNN_SHARED):
 *     the 25k Materials Project set, the MT-CGCNN 100-crystal sample and the real-world CIF corpus. Tests that need
 *     them are skipped where the folder is absent (the reason is printed once, by test/global-setup.ts); with CI set,
 *     a missing folder fails the run instead.
 *   - the small committed fixtures (test/fixtures), which every clone has: core behaviour is tested on them.
 *
 * No test reads ../shared by any other path.
 */
import fs from 'node:fs';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..');
export const SHARED_ENV = 'MTCGCNN_SHARED';

/** The shared data folder (may not exist). */
export const SHARED_DIR = path.resolve(process.env[SHARED_ENV] || path.join(REPO_ROOT, '..', 'shared'));

export interface SharedDataset {
  /** Short human name used in skip messages. */
  readonly name: string;
  readonly dir: string;
  /** True when the folder and its marker file exist. */
  readonly present: boolean;
}

function dataset(name: string, rel: string, marker: string): SharedDataset {
  const dir = path.join(SHARED_DIR, rel);
  return { name, dir, present: fs.existsSync(path.join(dir, marker)) };
}

/** The 25,710-crystal Materials Project set (mp-ID.cif, id_prop.csv with three properties, atom_init.json). */
export const MP25K = dataset('mp-cgcnn-25k', 'datasets/mp-cgcnn-25k', 'id_prop.csv');
/** The MT-CGCNN paper's 100-crystal sample (0.cif..99.cif, id_prop.csv with formation energy and band gap). */
export const SAMPLE = dataset('mt-cgcnn-sample', 'datasets/mt-cgcnn-sample', 'id_prop.csv');
/** 93 real-world structure files with pymatgen / ASE answers. */
export const CORPUS = dataset('cif-corpus', 'cif-corpus', 'expected.json');

export const SHARED_DATASETS: readonly SharedDataset[] = [MP25K, SAMPLE, CORPUS];

export const MP25K_DIR = MP25K.dir;
export const HAVE_MP25K = MP25K.present;
export const SAMPLE_DIR = SAMPLE.dir;
export const HAVE_SAMPLE = SAMPLE.present;
export const CORPUS_DIR = CORPUS.dir;
export const HAVE_CORPUS = CORPUS.present;

/** Committed fixtures. */
export const FIXTURES_DIR = path.join(REPO_ROOT, 'test', 'fixtures');
/**
 * 41 Materials Project crystals copied from mp-cgcnn-25k (test/fixtures/mp-small/README.md): mp-ID.cif, id_prop.csv
 * (same columns as the 25k set, rows in a fixed order) and CGCNN's atom_init.json.
 */
export const MP_SMALL_DIR = path.join(FIXTURES_DIR, 'mp-small');

/** The mp-ids of the committed set, in id_prop.csv order. */
export function mpSmallIds(): string[] {
  const lines = fs.readFileSync(path.join(MP_SMALL_DIR, 'id_prop.csv'), 'utf8').trim().split('\n').slice(1);
  return lines.map((l) => l.split(',')[0]);
}

/** Copies the committed set as a CGCNN-layout dataset folder (the CIFs and id_prop.csv) to `dest`; returns `dest`. */
export function copyMpSmallDataset(dest: string): string {
  fs.mkdirSync(dest, { recursive: true });
  const files = fs.readdirSync(MP_SMALL_DIR).filter((n) => n.endsWith('.cif') || n === 'id_prop.csv');
  for (const f of files) fs.copyFileSync(path.join(MP_SMALL_DIR, f), path.join(dest, f));
  return dest;
}

/** One line per missing shared dataset, saying which tests are skipped and how to provide the data. */
export function missingSharedData(): string[] {
  return SHARED_DATASETS.filter((d) => !d.present).map(
    (d) => `${d.name}: ${d.dir} not found; tests that need it are skipped (set ${SHARED_ENV} to the shared data folder)`,
  );
}
