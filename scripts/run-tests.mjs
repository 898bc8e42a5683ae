// `npm test`: every stage runs even when an earlier one fails (typecheck, lint, unit, e2e), then the closing lines
// of scripts/test-summary.mjs: the skip reasons (once), `N passed, N failed, N skipped`, and which suites did not run.
// Exits 1 if anything failed or did not run.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { skipReasons, summarize } from './test-summary.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const results = path.join(root, 'test-results');
const STAGES = [
  { name: 'typecheck', script: 'typecheck' },
  { name: 'lint', script: 'lint' },
  { name: 'unit', script: 'test:unit', report: path.join(results, 'unit.json') },
  { name: 'e2e', script: 'test:e2e', report: path.join(results, 'e2e.json') },
];

mkdirSync(results, { recursive: true });
for (const f of ['unit.json', 'e2e.json', 'skip-reasons.txt']) rmSync(path.join(results, f), { force: true });

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const done = [];
for (const stage of STAGES) {
  console.log(`\n== ${stage.name} (npm run ${stage.script})`);
  const r = spawnSync(npm, ['run', '--silent', stage.script], { cwd: root, stdio: 'inherit' });
  done.push({ name: stage.name, status: r.status ?? 1, report: stage.report });
}

const summary = summarize(done, root);
console.log('\n== summary');
const reasons = skipReasons(path.join(results, 'skip-reasons.txt'));
for (const r of reasons) console.log(`skipped: ${r}`);
for (const l of summary.lines) console.log(l);
process.exit(summary.failed > 0 || summary.notRun.length > 0 ? 1 : 0);
