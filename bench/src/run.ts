/**
 * `pnpm bench`: runs every suite in `suites/` (or those named on the command line) and
 * prints medians and ratios. `--quick` shortens every suite.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Ratio, Row, Suite } from './suite.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const wanted = args.filter((arg) => !arg.startsWith('--'));

const files = readdirSync(join(here, 'suites'))
  .filter((name) => name.endsWith('.js'))
  .sort();
let failedTargets = 0;
for (const file of files) {
  const { default: suite } = (await import(pathToFileURL(join(here, 'suites', file)).href)) as { default: Suite };
  if (wanted.length > 0 && !wanted.includes(suite.name)) continue;
  console.log(`\n## ${suite.name}\n`);
  const { rows, ratios, notes } = await suite.run({ quick });
  printRows(rows);
  failedTargets += printRatios(rows, ratios);
  for (const note of notes ?? []) console.log(`note: ${note}`);
}
if (failedTargets > 0) console.log(`\n${failedTargets} ratio(s) below target`);

function printRows(rows: Row[]): void {
  console.log('| case | contender | median | rounds |\n| --- | --- | ---: | --- |');
  for (const row of rows) {
    const rounds = row.rounds?.map((v) => fmt(v)).join(', ') ?? '';
    console.log(`| ${row.case} | ${row.contender} | ${fmt(row.value)} ${row.unit} | ${rounds} |`);
  }
}

function printRatios(rows: Row[], ratios: Ratio[]): number {
  let failed = 0;
  if (ratios.length > 0) console.log('\n| case | ratio | value | target |\n| --- | --- | ---: | --- |');
  for (const ratio of ratios) {
    const find = (who: string) => rows.find((row) => row.case === ratio.case && row.contender === who)?.value;
    const subject = find(ratio.subject);
    const baseline = find(ratio.baseline);
    if (subject === undefined || baseline === undefined || baseline === 0) continue;
    const value = subject / baseline;
    const met = ratio.target === undefined || (ratio.lowerIsBetter ? value <= ratio.target : value >= ratio.target);
    if (!met) failed++;
    const target =
      ratio.target === undefined ? '' : `${ratio.lowerIsBetter ? '≤' : '≥'} ${ratio.target}× ${met ? 'met' : 'MISSED'}`;
    console.log(`| ${ratio.case} | ${ratio.subject} / ${ratio.baseline} | ${value.toFixed(2)}× | ${target} |`);
  }
  return failed;
}

function fmt(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2);
}
