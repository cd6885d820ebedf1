// A short leak soak in CI (the full one: `pnpm --filter @httpstack/fuzz soak`, 100,000
// requests and 10,000 aborts): descriptors, handles, RSS and processes come back.
import { describe, expect, it } from 'vitest';
import { soak } from '../src/soak.js';

describe('leak soak (short)', () => {
  it('5,000 keep-alive requests and 1,000 aborted ones leave descriptors, handles, processes and RSS at baseline', async () => {
    const report = await soak(5_000, 1_000, 2_000);
    console.log(
      `soak: ${JSON.stringify({ ratio: report.ratio, processes: report.processes, seconds: report.seconds })}`,
    );
    expect(report.requests).toBe(5_000);
    expect(Object.values(report.aborts).reduce((a, b) => a + b, 0)).toBe(1_000);
    expect(report.after.fds).toBeLessThanOrEqual(report.baseline.fds);
    expect(report.after.handles).toBeLessThanOrEqual(report.baseline.handles);
    expect(report.processes.after).toBeLessThanOrEqual(report.processes.baseline);
    expect(report.ratio.rss).toBeLessThan(1.25); // the 10 % bar is for the full run, after a full warm-up
  });
});
