#!/usr/bin/env node
// The coverage of every workspace, as a Markdown table: what `npm run test:coverage` measured
// (each package's coverage/coverage-summary.json). CI appends it to the job summary.
// With --badge: the line coverage of all of them together, as a shields.io endpoint badge (JSON),
// which CI publishes on the `badges` branch for the README.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const metrics = ['lines', 'branches', 'functions', 'statements'];
const packages = readdirSync('packages')
  .sort()
  .map((name) => ({ name, file: join('packages', name, 'coverage', 'coverage-summary.json') }))
  .filter(({ file }) => existsSync(file))
  .map(({ name, file }) => ({ name, total: JSON.parse(readFileSync(file, 'utf8')).total }));
if (packages.length === 0) {
  console.error('No coverage summary found: run `npm run test:coverage` first.');
  process.exit(1);
}

if (process.argv[2] === '--badge') {
  const covered = packages.reduce((sum, { total }) => sum + total.lines.covered, 0);
  const lines = packages.reduce((sum, { total }) => sum + total.lines.total, 0);
  // Rounded down: the badge never claims more than was measured.
  const percent = lines === 0 ? 0 : Math.floor((covered * 1000) / lines) / 10;
  const color =
    percent >= 90 ? 'brightgreen' : percent >= 80 ? 'green' : percent >= 70 ? 'yellow' : 'red';
  console.log(
    JSON.stringify({ schemaVersion: 1, label: 'coverage', message: `${percent}%`, color }),
  );
} else {
  console.log(`| package | ${metrics.join(' | ')} |`);
  console.log(`| --- | ${metrics.map(() => '---:').join(' | ')} |`);
  for (const { name, total } of packages) {
    console.log(`| ${name} | ${metrics.map((metric) => `${total[metric].pct} %`).join(' | ')} |`);
  }
}
