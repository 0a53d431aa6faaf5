#!/usr/bin/env node
// The coverage of every workspace, as a Markdown table: what `npm run test:coverage` measured
// (each package's coverage/coverage-summary.json). CI appends it to the job summary.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const metrics = ['lines', 'branches', 'functions', 'statements'];
const rows = readdirSync('packages')
  .sort()
  .map((name) => ({ name, file: join('packages', name, 'coverage', 'coverage-summary.json') }))
  .filter(({ file }) => existsSync(file))
  .map(({ name, file }) => {
    const { total } = JSON.parse(readFileSync(file, 'utf8'));
    return `| ${name} | ${metrics.map((metric) => `${total[metric].pct} %`).join(' | ')} |`;
  });
if (rows.length === 0) {
  console.error('No coverage summary found: run `npm run test:coverage` first.');
  process.exit(1);
}
console.log(`| package | ${metrics.join(' | ')} |`);
console.log(`| --- | ${metrics.map(() => '---:').join(' | ')} |`);
console.log(rows.join('\n'));
