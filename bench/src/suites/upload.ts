/**
 * Uploads: a 1 GiB `curl -T` to `SimpleHTTPRequestHandler` with `upload` on, against a bare
 * `node:http` server piping the request to a file (`stream.pipeline` into
 * `fs.createWriteStream`): MB/s, and the server's RSS growth while the upload runs (VmRSS
 * from `/proc`, sampled every 20 ms, minus the figure just before) and its CPU time (user +
 * system, which a busy machine does not inflate as it does MB/s). Targets from issue 16:
 * at least 500 MB/s and under 64 MiB of growth.
 *
 * Run as a script (`node upload.js serve <contender> <dir>`), this file is the server.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { HTTPServer } from '@httpstack/basehttpserver';
import { SimpleHTTPRequestHandler } from '@httpstack/simplehttpserver';
import { serveChild } from '../lib/child.js';
import { interleave, median } from '../lib/rounds.js';
import { startServer } from '../lib/server-process.js';
import type { Row, Suite } from '../suite.js';

const CONTENDERS = ['httpstack', 'node:http pipe'];
const SIZE = 1024 * 1024 * 1024;

// --- the servers (child side) ------------------------------------------------------------

async function serve(contender: string, directory: string): Promise<void> {
  if (contender === 'httpstack') {
    class Upload extends SimpleHTTPRequestHandler.configure({
      directory,
      protocolVersion: 'HTTP/1.1',
      upload: true,
      uploadOverwrite: true,
    }) {
      override logMessage(): void {}
    }
    const server = new HTTPServer(['127.0.0.1', 0], Upload);
    await server.serverBind();
    void server.serveForever();
    serveChild((server.serverAddress as [string, number])[1]);
    return;
  }
  const server = http.createServer((request, response) => {
    const name = new URL(request.url!, 'http://x').pathname.slice(1).replace(/[^\w.-]/g, '_');
    pipeline(request, createWriteStream(join(directory, name))).then(
      () => response.writeHead(201).end(),
      () => response.writeHead(500).end(),
    );
  });
  server.listen(0, '127.0.0.1', () => serveChild((server.address() as AddressInfo).port));
}

// --- the harness -------------------------------------------------------------------------

const script = fileURLToPath(import.meta.url);

/** The VmRSS of process `pid`, in bytes. */
function rss(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

/** CPU seconds (user + system) process `pid` has used. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /s, '')
    .split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** One `curl -T` of `file`; resolves to MB/s (10^6 bytes). */
function upload(url: string, file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(
      'curl',
      ['-sS', '-o', '/dev/null', '-w', '%{speed_upload} %{size_upload} %{http_code}', '-T', file, url],
      (error, stdout) => {
        if (error) return reject(error);
        const [speed, size, status] = stdout.trim().split(' ').map(Number);
        if (size !== SIZE || (status !== 201 && status !== 204))
          return reject(new Error(`upload failed: ${size} bytes, status ${status}`));
        resolve(speed! / 1e6);
      },
    );
  });
}

/** Both cases from the same uploads: MB/s and RSS growth (MiB) per contender, interleaved. */
async function measure(source: string, target: string, rounds: number): Promise<Row[]> {
  const growth = new Map<string, number[]>();
  const cpu = new Map<string, number[]>();
  const speed = await interleave(SPEED, 'MB/s', CONTENDERS, rounds, async (contender) => {
    const server = await startServer(script, ['serve', contender, target]);
    try {
      const url = `http://127.0.0.1:${server.port}/upload.bin`;
      const before = rss(server.pid);
      const cpuBefore = cpuSeconds(server.pid);
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, rss(server.pid))), 20);
      try {
        const mbps = await upload(url, source);
        record(growth, contender, (peak - before) / (1024 * 1024));
        record(cpu, contender, cpuSeconds(server.pid) - cpuBefore);
        return mbps;
      } finally {
        clearInterval(sampler);
        rmSync(join(target, 'upload.bin'), { force: true });
      }
    } finally {
      await server.stop();
    }
  });
  const rowsOf = (name: string, unit: string, figures: Map<string, number[]>) =>
    CONTENDERS.map((contender): Row => {
      const values = figures.get(contender)!;
      return { case: name, contender, value: median(values), unit, rounds: values };
    });
  return [...speed, ...rowsOf(GROWTH, 'MiB', growth), ...rowsOf(CPU, 's', cpu)];
}

function record(figures: Map<string, number[]>, contender: string, value: number): void {
  figures.set(contender, [...(figures.get(contender) ?? []), value]);
}

function makeSource(directory: string): string {
  const file = join(directory, 'source.bin');
  const mib = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < mib.length; i++) mib[i] = (i * 31 + (i >> 8)) & 0xff;
  writeFileSync(file, '');
  for (let i = 0; i < SIZE / mib.length; i++) writeFileSync(file, mib, { flag: 'a' });
  return file;
}

const SPEED = 'PUT 1 GiB with curl -T';
const GROWTH = 'server RSS growth during the 1 GiB upload';
/** Independent of how busy the machine is, unlike MB/s: the server's own cost. */
const CPU = 'server CPU time for the 1 GiB upload';

const suite: Suite = {
  name: 'upload',
  async run({ quick }) {
    const notes: string[] = [];
    if (spawnSync('curl', ['--version']).error !== undefined || process.platform !== 'linux') {
      return { rows: [], ratios: [], notes: ['curl or /proc missing: upload suite skipped'] };
    }
    const directory = mkdtempSync(join(tmpdir(), 'httpstack-upload-bench-'));
    const target = join(directory, 'served');
    mkdirSync(target);
    try {
      const source = makeSource(directory);
      // UPLOAD_BENCH_DIR: where the uploads are written (e.g. a tmpfs, to take the disk out)
      const rows = await measure(source, process.env.UPLOAD_BENCH_DIR ?? target, quick ? 1 : 3);
      const mine = (name: string) => rows.find((row) => row.case === name && row.contender === 'httpstack')!.value;
      notes.push(
        `httpstack upload ${mine(SPEED).toFixed(0)} MB/s (target ≥ 500: ${mine(SPEED) >= 500 ? 'met' : 'missed'}), RSS growth ${mine(GROWTH).toFixed(1)} MiB (target < 64: ${mine(GROWTH) < 64 ? 'met' : 'missed'})`,
      );
      notes.push('servers run in child processes; the 1 GiB source is in the page cache; the machine may be shared');
      return { rows, ratios: [{ case: SPEED, subject: 'httpstack', baseline: 'node:http pipe' }], notes };
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  },
};

export default suite;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === 'serve') {
  await serve(process.argv[3] ?? 'httpstack', process.argv[4] ?? process.cwd());
}
