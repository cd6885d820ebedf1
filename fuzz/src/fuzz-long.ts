/**
 * The long differential run: `pnpm --filter @httpstack/fuzz fuzz [cases=200000] [seed]`.
 * Generated and mutated request streams against our server and node:http; prints every
 * unexplained disagreement (shrunk by fast-check) and a tally of the documented ones.
 */
import fc from 'fast-check';
import { check, describe } from './differential.js';
import { startNode, startOurs } from './echo.js';
import { mutatedStream, segmentedStream, stream } from './generators.js';

const [cases = 200_000, seed = Date.now() % 2 ** 31] = process.argv.slice(2).map(Number);
const ours = await startOurs();
const node = await startNode();
const tally = new Map<string, number>();
let failed = false;
const started = Date.now();
try {
  const runs = [
    ['generated', stream.map((text) => [text, []] as [string, number[]]), cases / 2],
    ['mutated', mutatedStream.map((text) => [text, []] as [string, number[]]), cases / 2],
    ['segmented', segmentedStream, cases / 20],
  ] as const;
  for (const [name, arbitrary, numRuns] of runs) {
    const result = await fc.check(
      fc.asyncProperty(arbitrary, async ([text, cuts]) => {
        const outcome = await check(ours, node, text, cuts);
        const key = outcome.decision ?? (outcome.finding ? 'FINDING' : 'agree');
        tally.set(key, (tally.get(key) ?? 0) + 1);
        if (outcome.finding) throw new Error(`${describe(text, outcome)}\n  cut at: ${JSON.stringify(cuts)}`);
      }),
      { numRuns, seed },
    );
    if (result.failed) {
      failed = true;
      console.log(
        `${name}: counterexample after ${result.numRuns} runs (seed ${seed}, path ${result.counterexamplePath}):\n${String(result.errorInstance)}`,
      );
    } else console.log(`${name}: ${result.numRuns} cases, no unexplained disagreement (seed ${seed})`);
  }
} finally {
  await Promise.all([ours.close(), node.close()]);
}
console.log(`${((Date.now() - started) / 1000).toFixed(0)} s; outcomes: ${JSON.stringify(Object.fromEntries(tally))}`);
process.exitCode = failed ? 1 : 0;
