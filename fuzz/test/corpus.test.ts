// The smuggling corpus against our server and node:http (llhttp): every vector agrees, or
// disagrees exactly as its documented decision says.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VECTORS } from '../src/corpus.js';
import { DECISIONS } from '../src/decisions.js';
import { check, describe as explain } from '../src/differential.js';
import { startNode, startOurs, type Target } from '../src/echo.js';

let ours: Target;
let node: Target;
beforeAll(async () => {
  [ours, node] = await Promise.all([startOurs(), startNode()]);
});
afterAll(async () => {
  await Promise.all([ours.close(), node.close()]);
});

describe('smuggling corpus: HTTPServer vs node:http', () => {
  it.for(VECTORS)('$name', async (vector) => {
    const result = await check(ours, node, vector.input);
    expect(result.finding, explain(vector.input, result)).toBeUndefined();
    expect(result.decision, explain(vector.input, result)).toBe(vector.expect);
    if (result.decision !== undefined) {
      // The stricter side is the one that served fewer requests.
      const { ours: a, node: b } = result.comparison;
      const stricter = a.served.length < b.served.length ? 'ours' : 'node';
      expect(stricter).toBe(DECISIONS[result.decision].stricter);
    }
  });

  it('never serves the request behind a refused one: a refusal ends the connection', async () => {
    let refused = 0;
    for (const vector of VECTORS) {
      const result = await check(ours, node, vector.input);
      if (result.comparison.ours.end.kind !== 'refused') continue;
      refused++;
      expect(
        result.comparison.ours.served.map((e) => e.target),
        vector.name,
      ).not.toContain('/second');
    }
    expect(refused).toBeGreaterThan(50);
  });
});
