/**
 * One differential check: the same bytes to our server and to node:http, compared, and
 * any disagreement either explained by a documented decision or reported as a finding.
 */
import { classify, type DecisionKey } from './decisions.js';
import type { Target } from './echo.js';
import { compare, exchange, type Comparison } from './wire.js';

/** The outcome of one input. */
export interface Check {
  comparison: Comparison;
  /** The decision that explains a disagreement. */
  decision?: DecisionKey;
  /** Set when the disagreement is not explained: a bug (or a missing decision). */
  finding?: string;
}

/** Sends `text` (latin1; in pieces cut at `cuts`) to both servers and judges the two verdicts. */
export async function check(ours: Target, node: Target, text: string, cuts: number[] = []): Promise<Check> {
  const input = Buffer.from(text, 'latin1');
  const [a, b] = await Promise.all([exchange(ours, input, cuts), exchange(node, input, cuts)]);
  const comparison = compare(a, b);
  const diffs = comparison.differences;
  if (diffs.length === 0) return { comparison };
  if (diffs.includes('timeout')) return { comparison, finding: 'a server neither answered nor closed' };
  const parsed = diffs.find((d) => d.startsWith('parsed'));
  if (parsed) {
    const i = Number(parsed.slice(7));
    // llhttp reads header lines after an HTTP/0.9 request line; we (and Python) do not. Both close after it.
    if (a.served[i]!.version === '0.9' && b.served[i]!.version === '0.9' && a.served.length === i + 1)
      return { comparison, decision: 'http09' };
    return { comparison, finding: `both served request ${i} but parsed it differently` };
  }
  const decision = classify(comparison, text);
  if (decision === undefined)
    return { comparison, finding: `served ${a.served.length} vs node ${b.served.length} requests, unexplained` };
  return { comparison, decision };
}

/** A one-paragraph description of a check, for failure messages. */
export function describe(text: string, result: Check): string {
  const { ours, node } = result.comparison;
  const show = (v: typeof ours) =>
    `${JSON.stringify(v.served.map((e) => `${e.method} ${e.target} HTTP/${e.version} body=${e.bodyLength} fields=${JSON.stringify(e.headers)}`))} ` +
    `statuses=${v.statuses.join(',')} end=${v.end.kind}${v.error ? ` (${v.error})` : ''}`;
  return `${result.finding ?? result.decision ?? 'agree'}\n  input: ${JSON.stringify(text)}\n  ours: ${show(ours)}\n  node: ${show(node)}`;
}
