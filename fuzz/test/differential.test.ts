// Property-based differential fuzzing: generated and mutated request streams, fed to our
// server and to node:http (llhttp); a bounded number of cases (the long run: `pnpm fuzz`).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check, describe as explain } from '../src/differential.js';
import { startNode, startOurs, type Target } from '../src/echo.js';
import { mutatedStream, stream } from '../src/generators.js';

const RUNS = Number(process.env.HTTPSTACK_FUZZ_RUNS ?? 2000);

let ours: Target;
let node: Target;
beforeAll(async () => {
  [ours, node] = await Promise.all([startOurs(), startNode()]);
});
afterAll(async () => {
  await Promise.all([ours.close(), node.close()]);
});

async function agrees(text: string): Promise<void> {
  const result = await check(ours, node, text);
  expect(result.finding, explain(text, result)).toBeUndefined();
}

describe('differential fuzzing: HTTPServer vs node:http', () => {
  it(`generated request streams (${RUNS} cases)`, async () => {
    await fc.assert(fc.asyncProperty(stream, agrees), { numRuns: RUNS });
  });

  it(`mutated request streams (${RUNS} cases)`, async () => {
    await fc.assert(fc.asyncProperty(mutatedStream, agrees), { numRuns: RUNS });
  });
});
