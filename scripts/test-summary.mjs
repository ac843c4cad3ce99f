// The closing line of scripts/test over every suite's vitest JSON report, and the skip rule:
// a skipped test fails the run unless test/allowed-skips.txt names it with a reason.
// Usage: node scripts/test-summary.mjs ALLOWLIST REPORT.json...
import { readFileSync } from 'node:fs';

const [allowFile, ...reports] = process.argv.slice(2);
/** Lines "full test name :: reason"; # comments and blank lines ignored. */
const allowed = new Map(
  readFileSync(allowFile, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => {
      const [name, reason] = l.split(' :: ');
      if (!reason?.trim()) throw new Error(`${allowFile}: "${l}" gives no reason (write "name :: reason")`);
      return [name.trim(), reason.trim()];
    }),
);

let passed = 0;
let failed = 0;
let skipped = 0;
const unexplained = [];
for (const file of reports) {
  let report;
  try {
    report = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    failed += 1;
    console.error(`no report in ${file}: that suite did not finish`);
    continue;
  }
  passed += report.numPassedTests;
  // A file that failed before its tests ran (a beforeAll) has no failed test: count the file.
  failed += report.numFailedTests || report.numFailedTestSuites;
  for (const suite of report.testResults ?? []) {
    for (const t of suite.assertionResults ?? []) {
      if (!['pending', 'skipped', 'todo'].includes(t.status)) continue;
      skipped += 1;
      const name = t.fullName ?? [...(t.ancestorTitles ?? []), t.title].join(' ');
      if (allowed.has(name)) console.log(`skipped (allowed: ${allowed.get(name)}): ${name}`);
      else unexplained.push(name);
    }
  }
}
for (const name of unexplained) console.error(`skipped without a reason in ${allowFile}: ${name}`);
failed += unexplained.length;
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
