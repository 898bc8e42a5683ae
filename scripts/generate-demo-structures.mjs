// Writes resources/demo/: one P1 CIF per textbook prototype of src-main/core/demo/prototypes.ts, demo.json and
// README.md. The TypeScript source is loaded with Vite's module runner (Vite is a dev dependency), so no build
// is needed. Usage: node scripts/generate-demo-structures.mjs [--out DIR] [--check]
//   --check  write nothing; exit 1 and name the files that differ from what would be written.
// test/unit/demo-structures.test.ts runs the same comparison in `npm test`.
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const i = process.argv.indexOf('--out');
const outDir = path.resolve(i >= 0 ? process.argv[i + 1] : path.join(root, 'resources', 'demo'));
const check = process.argv.includes('--check');

const { module: demo } = await runnerImport(path.join(root, 'src-main', 'core', 'demo', 'files.ts'), {
  root,
  configFile: false,
  logLevel: 'error',
});
const files = demo.demoFiles();

if (check) {
  const stale = Object.entries(files)
    .filter(([name, text]) => !existsSync(path.join(outDir, name)) || readFileSync(path.join(outDir, name), 'utf8') !== text)
    .map(([name]) => name);
  const extra = existsSync(outDir) ? readdirSync(outDir).filter((f) => f.endsWith('.cif') && !(f in files)) : [];
  if (stale.length + extra.length > 0) {
    console.error(`out of date in ${outDir}: ${[...stale, ...extra].join(', ')} (run node scripts/generate-demo-structures.mjs)`);
    process.exit(1);
  }
  console.log(`${Object.keys(files).length} files in ${outDir} are up to date`);
} else {
  mkdirSync(outDir, { recursive: true });
  for (const f of readdirSync(outDir)) if (f.endsWith('.cif') && !(f in files)) rmSync(path.join(outDir, f));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(outDir, name), text);
  console.log(`wrote ${Object.keys(files).length} files to ${outDir}`);
}
