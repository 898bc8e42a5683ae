/**
 * Tiny parse-rate measurement (not part of the app): `npx jiti bench/parse-cif.ts [dir] [count]`
 * from the repository root; dir defaults to ../shared/datasets/mp-cgcnn-25k. Texts are read first, so the
 * figure is parsing + Structure construction only (no disk I/O).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseStructures } from '../src-main/core/io';

const dir = path.resolve(process.cwd(), process.argv[2] ?? '../shared/datasets/mp-cgcnn-25k');
const count = Number(process.argv[3] ?? 2000);
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.cif')).sort().slice(0, count);
const texts = files.map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
for (const keepLabels of [true, false]) {
  const perFile: number[] = [];
  for (let rep = 0; rep < 15; rep++) {
    const t0 = performance.now();
    for (let i = 0; i < texts.length; i++) parseStructures(texts[i], files[i], { keepLabels });
    perFile.push(((performance.now() - t0) * 1000) / texts.length);
  }
  perFile.sort((a, b) => a - b);
  const med = perFile[Math.floor(perFile.length / 2)];
  console.log(`${texts.length} CIFs, keepLabels=${keepLabels}: median ${med.toFixed(1)} us/file = ${Math.round(1e6 / med)} files/s (best ${perFile[0].toFixed(1)} us)`);
}
