// Counts what a test run did, from the stage exit statuses and the vitest JSON reports, and prints the closing lines:
//
//   N passed, N failed, N skipped
//   not run: <suite> (<why>); ...        (only when something did not run)
//
// A test file whose setup failed is one failure, and its tests are "not run" (vitest lists them as skipped).
// A stage that failed without a report (typecheck, lint, the e2e build) is one failure, and a test stage without a
// report is "not run". Usable as a module (scripts/run-tests.mjs) or from the command line:
//   node scripts/test-summary.mjs STAGE=STATUS[:REPORT.json] ...
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const firstLine = (s) => String(s ?? '').split('\n').find((l) => l.trim() !== '')?.trim().slice(0, 160) ?? '';

/** One vitest JSON report -> counts plus the files whose tests did not run. */
export function countReport(file, root = process.cwd()) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const out = { passed: 0, failed: 0, skipped: 0, notRun: [] };
  for (const suite of report.testResults ?? []) {
    const tests = suite.assertionResults ?? [];
    const ran = tests.filter((t) => t.status === 'passed' || t.status === 'failed');
    if (suite.status === 'failed' && ran.length === 0) {
      out.failed += 1;
      const why = firstLine(suite.message) || 'failed before its tests ran';
      out.notRun.push(`${path.relative(root, suite.name)} (${tests.length} tests; ${why})`);
      continue;
    }
    for (const t of tests) {
      if (t.status === 'passed') out.passed += 1;
      else if (t.status === 'failed') out.failed += 1;
      else out.skipped += 1;
    }
  }
  return out;
}

/**
 * stages: [{ name, status, report? }] in run order. Returns the totals and the lines to print.
 */
export function summarize(stages, root = process.cwd()) {
  const total = { passed: 0, failed: 0, skipped: 0 };
  const notRun = [];
  const perStage = [];
  for (const s of stages) {
    if (s.report && existsSync(s.report)) {
      const c = countReport(s.report, root);
      total.passed += c.passed;
      total.failed += c.failed;
      total.skipped += c.skipped;
      notRun.push(...c.notRun);
      // A non-zero exit with no failing test (e.g. a globalSetup or coverage error) still fails the stage.
      if (s.status !== 0 && c.failed === 0) total.failed += 1;
      perStage.push(`${s.name}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped (exit ${s.status})`);
    } else if (s.report) {
      total.failed += 1;
      notRun.push(`${s.name} suite (exit ${s.status}, no report: it did not start or its build failed)`);
      perStage.push(`${s.name}: not run (exit ${s.status})`);
    } else {
      if (s.status !== 0) total.failed += 1;
      perStage.push(`${s.name}: ${s.status === 0 ? 'ok' : `failed (exit ${s.status})`}`);
    }
  }
  const lines = [...perStage, `${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`];
  if (notRun.length > 0) lines.push(`not run: ${notRun.join('; ')}`);
  return { ...total, notRun, lines };
}

/** Skip reasons recorded by test/global-setup.ts, each once. */
export function skipReasons(file) {
  if (!existsSync(file)) return [];
  return [...new Set(readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== ''))];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const stages = process.argv.slice(2).map((arg) => {
    const m = /^([^=]+)=(-?\d+)(?::(.+))?$/.exec(arg);
    if (!m) {
      console.error(`test-summary: cannot read "${arg}" (expected STAGE=STATUS[:REPORT.json])`);
      process.exit(2);
    }
    return { name: m[1], status: Number(m[2]), report: m[3] };
  });
  const s = summarize(stages);
  for (const l of s.lines) console.log(l);
  process.exit(s.failed > 0 ? 1 : 0);
}
