/**
 * Interleaved rounds: every contender measured once per round, so drift hits all alike;
 * the order turns by one each round, so no contender always follows the same one (a
 * server that leaves the machine busy, e.g. thousands of TIME_WAIT sockets or exiting
 * children, would otherwise always slow down the same neighbour).
 */
import type { Row } from '../suite.js';

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Runs `measure(contender)` for each contender, `rounds` times, interleaved, and returns
 * one row per contender with the median and every round's figure.
 */
export async function interleave(
  caseName: string,
  unit: string,
  contenders: string[],
  rounds: number,
  measure: (contender: string, round: number) => Promise<number>,
): Promise<Row[]> {
  const figures = new Map<string, number[]>(contenders.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    const turn = round % contenders.length;
    for (const contender of [...contenders.slice(turn), ...contenders.slice(0, turn)]) {
      figures.get(contender)!.push(await measure(contender, round));
    }
  }
  return contenders.map((contender) => {
    const values = figures.get(contender)!;
    return { case: caseName, contender, value: median(values), unit, rounds: values };
  });
}
