/**
 * vitest globalSetup for the unit and e2e configurations: runs once per vitest run, before any test file.
 *
 * Without CI: prints, once, which shared datasets and tools are missing and that the tests needing them are skipped
 * (and records the lines in test-results/skip-reasons.txt, which scripts/test-summary.mjs repeats at the end).
 * With CI set: every test must run, so a missing shared folder or tool fails the run with one line naming what is
 * missing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { missingSharedData, REPO_ROOT } from './shared-data';
import { missingTools } from './tools';

export default function setup(): void {
  const data = missingSharedData();
  const tools = missingTools();
  if (process.env.CI) {
    const missing = [...data.map((l) => l.split(';')[0]), ...tools.map((t) => `${t.name} (${t.why})`)];
    if (missing.length > 0) {
      // One line, no stack: what is missing is the whole message.
      console.error(`CI is set and the test run lacks: ${missing.join('; ')}`);
      process.exit(1);
    }
    return;
  }
  const lines = [...data, ...tools.map((t) => `${t.name} not found (${t.why}); tests that need it are skipped`)];
  for (const line of lines) console.warn(`[skip] ${line}`);
  const dir = path.join(REPO_ROOT, 'test-results');
  fs.mkdirSync(dir, { recursive: true });
  fs.appendFileSync(path.join(dir, 'skip-reasons.txt'), lines.map((l) => `${l}\n`).join(''));
}
