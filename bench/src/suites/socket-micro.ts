/**
 * socket-micro: the socket core's hot path, measured. `rfile` (BufferedReader) reading the
 * lines of HTTP-like request heads, against Buffer.concat + indexOf per chunk and against
 * node:readline; `wfile` (SocketWriter) sending many small writes over a real loopback
 * socket, against a plain `socket.write` per chunk.
 */
import { once } from 'node:events';
import { createServer, connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { BufferedReader, SocketWriter } from '@httpstack/socketserver';
import { interleave } from '../lib/rounds.js';
import type { Ratio, Row, Suite } from '../suite.js';

/** One realistic request head: 11 lines, CRLF, about 420 bytes. */
const HEAD =
  'GET /api/v1/items?page=2&sort=name HTTP/1.1\r\n' +
  'Host: localhost:8000\r\n' +
  'User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\r\n' +
  'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n' +
  'Accept-Language: en-US,en;q=0.5\r\n' +
  'Accept-Encoding: gzip, deflate, br\r\n' +
  'Connection: keep-alive\r\n' +
  'Cookie: session=0123456789abcdef0123456789abcdef; theme=dark\r\n' +
  'Cache-Control: max-age=0\r\n' +
  'If-None-Match: "5f3e-1a2b3c4d"\r\n' +
  '\r\n';
const LINES_PER_HEAD = 11;

/** The heads of `count` pipelined requests, cut into chunks of `size` bytes (socket reads). */
function chunked(count: number, size: number): Buffer[] {
  const all = Buffer.from(HEAD.repeat(count), 'latin1');
  const chunks: Buffer[] = [];
  for (let at = 0; at < all.length; at += size) chunks.push(Buffer.from(all.subarray(at, at + size)));
  return chunks;
}

type LineReader = (chunks: Buffer[]) => Promise<number>;

const readers: Record<string, LineReader> = {
  'BufferedReader.tryReadline': async (chunks) => {
    const rfile = new BufferedReader();
    let lines = 0;
    for (const chunk of chunks) {
      rfile.push(chunk);
      while (rfile.tryReadline() !== undefined) lines++;
    }
    return lines;
  },
  'BufferedReader.readline': async (chunks) => {
    const rfile = new BufferedReader();
    for (const chunk of chunks) rfile.push(chunk);
    rfile.end();
    let lines = 0;
    while ((await rfile.readline()).length > 0) lines++;
    return lines;
  },
  'Buffer.concat + indexOf': async (chunks) => {
    let buffer = Buffer.alloc(0);
    let lines = 0;
    for (const chunk of chunks) {
      buffer = Buffer.concat([buffer, chunk]);
      for (let at; (at = buffer.indexOf(10)) !== -1; ) {
        buffer.subarray(0, at + 1);
        buffer = buffer.subarray(at + 1);
        lines++;
      }
    }
    return lines;
  },
  'node:readline': async (chunks) => {
    let lines = 0;
    const input = Readable.from(chunks);
    for await (const _line of createInterface({ input, crlfDelay: Infinity })) lines++;
    return lines;
  },
};

/** Lines per second of one reader over `chunks`; checks the count. */
async function linesPerSecond(read: LineReader, chunks: Buffer[], heads: number): Promise<number> {
  const start = process.hrtime.bigint();
  const lines = await read(chunks);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  // node:readline drops the empty line's terminator but still counts it; all must agree.
  if (lines !== heads * LINES_PER_HEAD) throw new Error(`counted ${lines} lines; want ${heads * LINES_PER_HEAD}`);
  return lines / seconds;
}

/** A loopback connection whose far end discards what it receives; resolves bytes counted. */
async function sinkPair(): Promise<{ client: Socket; received: (bytes: number) => Promise<void>; close: () => void }> {
  let total = 0;
  let waiter: { bytes: number; resolve: () => void } | undefined;
  const server = createServer((socket) => {
    socket.on('data', (data: Buffer) => {
      total += data.length;
      if (waiter && total >= waiter.bytes) waiter.resolve();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = connect((server.address() as { port: number }).port, '127.0.0.1');
  client.setNoDelay(true);
  await once(client, 'connect');
  const received = (bytes: number) =>
    new Promise<void>((resolve) => (total >= bytes ? resolve() : (waiter = { bytes, resolve })));
  return { client, received, close: () => (client.destroy(), server.close()) };
}

/** MB/s of sending `count` chunks of `size` bytes, the way a handler would, awaiting backpressure. */
async function writeThroughput(contender: string, size: number, count: number): Promise<number> {
  const { client, received, close } = await sinkPair();
  const chunk = Buffer.alloc(size, 'x');
  const start = process.hrtime.bigint();
  if (contender === 'SocketWriter') {
    const wfile = new SocketWriter(client);
    for (let i = 0; i < count; i++) await wfile.write(chunk);
    wfile.flush();
  } else {
    for (let i = 0; i < count; i++) if (!client.write(chunk)) await once(client, 'drain');
  }
  await received(size * count);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  close();
  return (size * count) / 1e6 / seconds;
}

const suite: Suite = {
  name: 'socket-micro',
  async run({ quick }) {
    const rounds = quick ? 3 : 7;
    const heads = quick ? 5_000 : 50_000;
    const rows: Row[] = [];
    const ratios: Ratio[] = [];
    for (const size of [1460, 16 * 1024]) {
      const chunks = chunked(heads, size);
      for (const read of Object.values(readers)) await read(chunked(1000, size)); // warm-up, not measured
      const name = `readline, HTTP heads in ${size}-byte chunks`;
      rows.push(
        ...(await interleave(name, 'lines/s', Object.keys(readers), rounds, (who) =>
          linesPerSecond(readers[who]!, chunks, heads),
        )),
      );
      for (const baseline of ['Buffer.concat + indexOf', 'node:readline']) {
        ratios.push({ case: name, subject: 'BufferedReader.tryReadline', baseline });
        ratios.push({ case: name, subject: 'BufferedReader.readline', baseline });
      }
    }
    const writes = quick ? 100_000 : 400_000;
    for (const [size, count] of [
      [64, writes],
      [1024, writes / 4],
      [64 * 1024, writes / 100],
    ] as const) {
      const name = `write ${size}-byte chunks over loopback`;
      rows.push(
        ...(await interleave(name, 'MB/s', ['SocketWriter', 'socket.write'], rounds, (who) =>
          writeThroughput(who, size, count),
        )),
      );
      ratios.push({ case: name, subject: 'SocketWriter', baseline: 'socket.write' });
    }
    return {
      rows,
      ratios,
      notes: [
        'one process: the loopback sink shares the event loop with the writer, alike for both contenders',
        'figures taken on a shared 2-core machine while others work are noisy',
      ],
    };
  },
};

export default suite;
