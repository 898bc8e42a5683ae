// scripts/test-summary.mjs: the closing lines of `npm test` count what happened, including what did not run.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../shared-data';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mtcgcnn-summary-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function report(name: string, files: { name: string; status: string; message?: string; tests: string[] }[]): string {
  const file = path.join(work, name);
  const testResults = files.map((f) => ({
    name: path.join(REPO_ROOT, f.name),
    status: f.status,
    message: f.message ?? '',
    assertionResults: f.tests.map((status, i) => ({ title: `t${i}`, status })),
  }));
  fs.writeFileSync(file, JSON.stringify({ testResults }));
  return file;
}

function summary(...stages: string[]): { status: number | null; lines: string[] } {
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'test-summary.mjs'), ...stages], { cwd: REPO_ROOT, encoding: 'utf8' });
  return { status: r.status, lines: r.stdout.trim().split('\n') };
}

describe('test-summary', () => {
  it('counts passed, failed and skipped tests over the stages and exits 0 when nothing failed', () => {
    const unit = report('unit.json', [
      { name: 'test/unit/a.test.ts', status: 'passed', tests: ['passed', 'passed', 'skipped'] },
      { name: 'test/unit/b.test.ts', status: 'passed', tests: ['passed', 'pending', 'todo'] },
    ]);
    const r = summary('typecheck=0', 'lint=0', `unit=0:${unit}`);
    expect(r.lines).toContain('3 passed, 0 failed, 3 skipped');
    expect(r.lines.some((l) => l.startsWith('not run:'))).toBe(false);
    expect(r.status).toBe(0);
  });

  it('a file whose setup failed is one failure and its tests are named as not run, not counted as skipped', () => {
    const unit = report('unit2.json', [
      { name: 'test/unit/a.test.ts', status: 'passed', tests: ['passed', 'failed'] },
      { name: 'test/unit/c.test.ts', status: 'failed', message: 'Error: ENOENT ../shared/x\n  at y', tests: ['skipped', 'skipped', 'skipped'] },
    ]);
    const r = summary('typecheck=0', 'lint=1', `unit=1:${unit}`, `e2e=1:${path.join(work, 'missing.json')}`);
    // 1 failing test + the failed setup + lint + the e2e stage that produced no report
    expect(r.lines).toContain('1 passed, 4 failed, 0 skipped');
    const notRun = r.lines.find((l) => l.startsWith('not run:'))!;
    expect(notRun).toContain('test/unit/c.test.ts (3 tests; Error: ENOENT ../shared/x)');
    expect(notRun).toContain('e2e suite (exit 1, no report');
    expect(r.lines).toContain('lint: failed (exit 1)');
    expect(r.status).toBe(1);
  });

  it('a non-zero exit with no failing test (e.g. a failed globalSetup) still counts as a failure', () => {
    const unit = report('unit3.json', [{ name: 'test/unit/a.test.ts', status: 'passed', tests: ['passed'] }]);
    expect(summary(`unit=1:${unit}`).lines).toContain('1 passed, 1 failed, 0 skipped');
  });
});
