/**
 * Sends raw bytes to a server over a real socket and reads back what it answered, as a
 * verdict two servers can be compared on: which requests were served (in order, with what
 * each server parsed) and how the exchange ended.
 */
import { connect, type Socket } from 'node:net';
import type { Echo, Target } from './echo.js';

/** How one exchange ended. */
export type End =
  | { kind: 'refused'; status: number } // an error response (4xx/5xx), then close
  | { kind: 'closed' } // closed without an error response
  | { kind: 'timeout' } // still open when the time was up
  | { kind: 'http09' }; // an answer without a status line

/** What a server made of one input. */
export interface Verdict {
  /** The requests it parsed completely (head and body), as it recorded them. */
  served: Echo[];
  /** Statuses of the final responses it sent, in order. */
  statuses: number[];
  end: End;
  /** The parser error it reported, if any (Node's `HPE_*` code). */
  error?: string;
}

/**
 * Writes `input` on a fresh connection to `target`, half-closes, collects the answer
 * until the server closes (or `timeoutMs` pass), and takes what the server recorded.
 */
export async function exchange(target: Target, input: Buffer, cuts: number[] = [], timeoutMs = 2000): Promise<Verdict> {
  const { port, answer, timedOut } = await send(target.port, split(input, cuts), timeoutMs);
  const verdict = readResponses(answer, timedOut);
  verdict.served = target.parsed.get(port) ?? [];
  target.parsed.delete(port);
  const error = target.errors.get(port);
  target.errors.delete(port);
  return error === undefined ? verdict : { ...verdict, error };
}

/** `input` cut at the positions `cuts` (taken modulo its length). */
function split(input: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((cut) => (input.length === 0 ? 0 : cut % input.length)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const cut of [...at, input.length]) {
    if (cut > from) pieces.push(input.subarray(from, cut));
    from = Math.max(from, cut);
  }
  return pieces.length === 0 ? [input] : pieces;
}

/** Writes `pieces` as separate TCP segments (no Nagle, 2 ms apart), then half-closes. */
async function writePieces(socket: Socket, pieces: Buffer[]): Promise<void> {
  socket.setNoDelay(true);
  for (let i = 0; i < pieces.length - 1; i++) {
    socket.write(pieces[i]!);
    await new Promise((resolve) => setTimeout(resolve, 2));
    if (socket.destroyed) return;
  }
  const last = pieces.at(-1);
  if (last === undefined) socket.end();
  else socket.end(last);
}

function send(
  port: number,
  pieces: Buffer[],
  timeoutMs: number,
): Promise<{ port: number; answer: Buffer; timedOut: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let localPort = 0;
    socket.once('connect', () => {
      localPort = socket.localPort!;
      void writePieces(socket, pieces);
    });
    const received: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, timeoutMs);
    socket.on('data', (piece: Buffer) => received.push(piece));
    socket.on('error', () => {}); // a reset ends the exchange like a close
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ port: localPort, answer: Buffer.concat(received), timedOut });
    });
  });
}

/** Parses a stream of responses (as the echo servers send them): statuses and how it ended. */
export function readResponses(bytes: Buffer, timedOut: boolean): Verdict {
  const served: Echo[] = [];
  const statuses: number[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    if (bytes.subarray(pos, pos + 5).toString('latin1') !== 'HTTP/')
      return { served, statuses, end: { kind: 'http09' } };
    const headEnd = bytes.indexOf('\r\n\r\n', pos, 'latin1');
    if (headEnd === -1) break;
    const lines = bytes.subarray(pos, headEnd).toString('latin1').split('\r\n');
    const status = Number(lines[0]!.slice(9, 12));
    const fields = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    pos = headEnd + 4 + Number(fields.get('content-length') ?? 0);
    if (status < 200) continue; // 100 Continue
    statuses.push(status);
    if (status >= 400) return { served, statuses, end: { kind: 'refused', status } };
  }
  return { served, statuses, end: timedOut ? { kind: 'timeout' } : { kind: 'closed' } };
}

/** Both servers' verdicts on one input, and whether they differ. */
export interface Comparison {
  ours: Verdict;
  node: Verdict;
  /** Empty when the two agree; else what differs (`served`, `parsed`, `end`). */
  differences: string[];
}

/**
 * Compares two verdicts. They agree when they served the same number of requests, parsed
 * each the same (method, target, version, body length and bytes, header fields), and ended
 * alike (a refusal and a bare close count alike: both stop reading; a timeout is never alike).
 */
export function compare(ours: Verdict, node: Verdict): Comparison {
  const differences: string[] = [];
  if (ours.served.length !== node.served.length) differences.push('served');
  const n = Math.min(ours.served.length, node.served.length);
  for (let i = 0; i < n; i++) {
    if (JSON.stringify(ours.served[i]) !== JSON.stringify(node.served[i])) {
      differences.push(`parsed#${i}`);
      break;
    }
  }
  const stops = (end: End) => end.kind === 'refused' || end.kind === 'closed';
  if (!(stops(ours.end) && stops(node.end)) && ours.end.kind !== node.end.kind) differences.push('end');
  if (ours.end.kind === 'timeout' || node.end.kind === 'timeout') differences.push('timeout');
  return { ours, node, differences };
}
