// Slowloris, slow body, slow read and range attacks against the real `httpstack` command
// (the Node clients of src/attacks.ts, at a CI scale): the server keeps answering a probe,
// and its memory stays bounded. `pnpm --filter @httpstack/fuzz hostile` runs them at full
// scale (1,000 connections, slowhttptest when installed); figures in docs/security.md.
import { describe, expect, it } from 'vitest';
import { ATTACKS, measureAttack } from '../src/hostile-clients.js';

describe.skipIf(process.platform !== 'linux')('hostile clients against the CLI', () => {
  it.for(ATTACKS)(
    '%s: 200 connections for 5 s, normal requests still answered',
    { timeout: 90_000 },
    async (attack) => {
      const figures = await measureAttack(attack, 200, 5, 'node');
      console.log(`hostile: ${JSON.stringify(figures)}`);
      expect(figures.probes.failures).toBe(0);
      expect(figures.probes.count).toBeGreaterThan(3);
      expect(figures.probes.p50Ms).toBeLessThan(1000);
      // 200 slow connections held 2 MiB each before (400 MiB); now slices of a shared pool.
      expect(figures.rssMiB.peak - figures.rssMiB.before).toBeLessThan(250);
    },
  );
});
