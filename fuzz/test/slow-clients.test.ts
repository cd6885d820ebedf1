// Slowloris against a server child (headTimeout 2 s here; 30 s by default) while 100 normal
// clients keep requesting: every slow connection is cut near the timeout, no normal request fails.
import { describe, expect, it } from 'vitest';
import { measureSlowloris } from '../src/slow-clients.js';

describe('slow clients (headTimeout)', () => {
  it('200 slowloris connections are cut within headTimeout (+ its 1/8 sweep) while 100 normal clients are answered', async () => {
    const figures = await measureSlowloris(200, 100, 2000);
    console.log(`slowloris: ${JSON.stringify(figures)}`);
    expect(figures.cut).toBe(200);
    expect(figures.got408).toBe(200);
    expect(figures.cutMs.min).toBeGreaterThanOrEqual(1900);
    expect(figures.cutMs.max).toBeLessThan(2000 + 250 + 1000); // sweep tick ≤ 1/8 of the timeout, plus a loaded machine
    expect(figures.failures).toBe(0);
    expect(figures.requests).toBeGreaterThan(1000);
  });
});
