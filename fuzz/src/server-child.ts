/**
 * A server under test, run in its own process by `harness.ts`: `HTTPServer` with a CGI
 * handler (static files and scripts under `SITE`) plus a few routes for fault injection.
 * Reports its port over IPC and answers `stats` (memory, active resources) and `gc`.
 */
import { getHeapStatistics } from 'node:v8';
import { HTTPServer } from '@httpstack/basehttpserver';
import { CGIHTTPRequestHandler } from '@httpstack/cgihttpserver';

const env = process.env;
const num = (name: string, fallback: number) => (env[name] === undefined ? fallback : Number(env[name]));

/** 1 MiB of bytes, written repeatedly for the large response. */
const MEBIBYTE = Buffer.alloc(1024 * 1024, 0x61);

class TestHandler extends CGIHTTPRequestHandler {
  override protocolVersion = 'HTTP/1.1';
  override directory = env.SITE ?? process.cwd();
  override headTimeout = num('HEAD_TIMEOUT', 30_000);
  override keepAliveTimeout = num('KEEP_ALIVE_TIMEOUT', 5_000);
  override logMessage(): void {}

  override async do_GET(): Promise<void> {
    if (this.path === '/hello') return this.#hello();
    if (this.path.startsWith('/stream?'))
      return this.#big(Number(new URL(this.path, 'http://x').searchParams.get('mib') ?? 100));
    if (this.path === '/throw') throw new Error('handler failure injected by the fault tests');
    return super.do_GET();
  }

  #hello(): void {
    this.sendResponse(200);
    this.sendHeader('Content-Type', 'text/plain');
    this.sendHeader('Content-Length', '6');
    this.endHeaders();
    void this.wfile.write('hello\n');
  }

  async #big(mib: number): Promise<void> {
    this.sendResponse(200);
    this.sendHeader('Content-Type', 'application/octet-stream');
    this.sendHeader('Content-Length', String(mib * MEBIBYTE.length));
    this.endHeaders();
    for (let i = 0; i < mib; i++) await this.wfile.write(MEBIBYTE);
  }
}
const writeTimeout = env.WRITE_TIMEOUT;
if (writeTimeout !== undefined) Object.assign(TestHandler.prototype, { writeTimeout: Number(writeTimeout) });

/** Live timers grouped by duration and callback (to find what holds one), for `ask: 'timers'`. */
function timers(): Record<string, number> {
  const counts: Record<string, number> = {};
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  const list = handles.filter(
    (h) => (h as { constructor?: { name?: string } }).constructor?.name === 'Timeout',
  ) as Array<{ _idleTimeout: number; _onTimeout: () => void }>;
  for (const t of list) {
    const key = `${t._idleTimeout} ms ${String(t._onTimeout).slice(0, 80).replace(/\s+/g, ' ')}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** Counts of `process.getActiveResourcesInfo()` by kind. */
function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

const server = new HTTPServer(['127.0.0.1', 0], TestHandler);
// Injected failures are expected; LOG_ERRORS=1 keeps the default handleError (a traceback to stderr).
if (env.LOG_ERRORS !== '1') server.handleError = () => {};
await server.serverBind();
void server.serveForever();
process.on('message', (message: { id: number; ask: string }) => {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (message.ask === 'gc' && gc) for (let i = 0; i < 3; i++) gc();
  // No process.memoryUsage(): it opens /proc/self/statm, which fails with EMFILE when the
  // descriptors are exhausted. The harness reads RSS from /proc itself.
  const extra = message.ask === 'timers' ? { timers: timers() } : {};
  process.send!({ id: message.id, heapUsed: getHeapStatistics().used_heap_size, resources: resources(), ...extra });
});
process.on('SIGTERM', () => void server.shutdown().then(() => process.exit(0)));
process.send!({ port: (server.serverAddress as [string, number])[1] });
