// Prints one plain line `N passed, N failed` from vitest JSON reports (CI reads it).
// A non-zero npm test status with no failing test (typecheck or lint failed) counts as one failure.
import { existsSync, readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const status = Number(args.pop() ?? 0);
let passed = 0;
let failed = 0;
for (const file of args) {
  if (!existsSync(file)) continue;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  // Suites that failed to load have no tests but are failures.
  for (const suite of report.testResults ?? []) if (suite.status === 'failed' && (suite.assertionResults ?? []).length === 0) failed += 1;
}
if (status !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
