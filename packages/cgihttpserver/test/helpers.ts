/** Test kit: a web root with a cgi-bin of real scripts in a temp dir, a server on it, raw clients. */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format as formatLog } from 'node:util';
import { HTTPServer } from '@httpstack/basehttpserver';
import { CGIHTTPRequestHandler } from '../src/index.js';

export { exchange, receiveAll } from '@httpstack/test-kit';

/** An interpreter's absolute path if it runs here, else `undefined`. */
export function findProgram(name: string, candidates: string[]): string | undefined {
  for (const path of candidates) {
    try {
      if (existsSync(path)) {
        execFileSync(path, name === 'python3' ? ['-c', 'pass'] : ['-e', '1'], { stdio: 'ignore' });
        return path;
      }
    } catch {
      // not usable; try the next
    }
  }
  return undefined;
}

export const PERL = findProgram('perl', ['/usr/bin/perl', '/usr/local/bin/perl']);
export const PYTHON = findProgram('python3', ['/usr/bin/python3', '/usr/local/bin/python3']);
export const IS_ROOT = process.getuid?.() === 0;

/** The scripts of the fixture's cgi-bin, by name (mode 0755 unless listed in `NOT_EXECUTABLE`). */
export function scripts(): Record<string, string> {
  const sh = (body: string) => `#!/bin/sh\n${body}\n`;
  const all: Record<string, string> = {
    'hello.sh': sh('printf "Content-Type: text/plain\\r\\n\\r\\nhello from sh\\n"'),
    'env.sh': sh('printf "Content-Type: text/plain\\n\\n"; env'),
    'args.sh': sh('printf "Content-Type: text/plain\\n\\n"; echo "argc=$#"; for a in "$@"; do echo "arg=$a"; done'),
    'echo.sh': sh('printf "Content-Type: application/octet-stream\\nX-Length: %s\\n\\n" "$CONTENT_LENGTH"; cat'),
    'status.sh': sh('printf "Status: 404 Not Here\\nContent-Type: text/plain\\n\\ngone\\n"'),
    'local.sh': sh('printf "Location: /static.txt\\n\\n"'),
    'loop.sh': sh('printf "Location: /cgi-bin/loop.sh\\n\\n"'),
    'client.sh': sh('printf "Location: https://example.invalid/elsewhere\\n\\n"'),
    'bad.sh': sh('printf "this is not a header\\n\\nbody\\n"'),
    'split.sh': sh('printf "Content-Type: text/plain\\nX-Evil: a\\rSet-Cookie: injected\\n\\nbody\\n"'),
    'huge-head.sh': sh(
      'printf "Content-Type: text/plain\\n"; i=0; while [ $i -lt 3000 ]; do printf "X-Pad-%d: %s\\n" $i 0123456789012345678901234567890123456789; i=$((i+1)); done; printf "\\n"',
    ),
    'fail.sh': sh('echo "something broke" >&2; exit 3'),
    'fail-late.sh': sh('printf "Content-Type: text/plain\\n\\npartial\\n"; exit 4'),
    'nph-raw.sh': sh(
      'printf "HTTP/1.0 299 Raw Status\\r\\nContent-Type: text/plain\\r\\nX-Nph: yes\\r\\n\\r\\nraw body\\n"',
    ),
    'length.sh': sh('printf "Content-Type: text/plain\\nContent-Length: 6\\n\\nsized\\n"'),
    'flood.sh': sh(
      'printf "Content-Type: application/octet-stream\\n\\n"; head -c 67108864 /dev/zero; touch "$PID_DIR/$QUERY_STRING.done"',
    ),
    'big.sh': sh('printf "Content-Type: application/octet-stream\\n\\n"; head -c 8000000 /dev/zero'),
    'slow.sh': sh(
      'echo $$ > "$PID_DIR/$QUERY_STRING.pid"; printf "Content-Type: text/plain\\n\\nstarted\\n"; exec sleep 30',
    ),
    'late.sh': sh('sleep 1.3; printf "Content-Type: text/plain\\n\\nlate answer\\n"'),
    'tick.sh': sh(
      'echo $$ > "$PID_DIR/$QUERY_STRING.pid"; printf "Content-Type: text/plain\\n\\n"; i=0; while [ $i -lt 300 ]; do echo tick; sleep 0.1; i=$((i+1)); done',
    ),
    'fds.sh': sh('printf "Content-Type: text/plain\\n\\n"; exec sh -c \'ls /proc/$$/fd\''),
    'silent.sh': sh('echo $$ > "$PID_DIR/$QUERY_STRING.pid"; exec sleep 30'),
    'stubborn.sh': sh('trap "" TERM; echo $$ > "$PID_DIR/$QUERY_STRING.pid"; sleep 30 & wait'),
    'forks.sh': sh(
      'sleep 30 & echo $! > "$PID_DIR/$QUERY_STRING.child.pid"; echo $$ > "$PID_DIR/$QUERY_STRING.pid"; wait',
    ),
    'id.sh': sh('printf "Content-Type: text/plain\\n\\n"; id -u'),
    'stream.sh': sh(
      'printf "Content-Type: text/plain\\n\\n"; i=0; while [ $i -lt 12 ]; do echo line $i; sleep 0.1; i=$((i+1)); done',
    ),
    'pause.sh': sh(
      'echo $$ > "$PID_DIR/$QUERY_STRING.pid"; printf "Content-Type: text/plain\\n\\nfirst\\n"; exec sleep 30',
    ),
    'crash.sh': sh('printf "Content-Type: text/plain\\n\\npartial\\n"; kill -KILL $$'),
    'crash-length.sh': sh('printf "Content-Type: text/plain\\nContent-Length: 100\\n\\npartial\\n"; kill -KILL $$'),
    'short.sh': sh('printf "Content-Type: text/plain\\nContent-Length: 100\\n\\nshort\\n"'),
    'noexec.sh': sh('printf "Content-Type: text/plain\\n\\nran\\n"'),
    '.hidden.sh': sh('printf "Content-Type: text/plain\\n\\nran\\n"'),
    'sub/deep.sh': sh('printf "Content-Type: text/plain\\n\\ndeep %s\\n" "$PATH_INFO"'),
  };
  if (PERL) {
    all['hello.pl'] =
      `#!${PERL}\nuse strict;\nmy $q = $ENV{QUERY_STRING} // '';\nmy $body = '';\nread(STDIN, $body, $ENV{CONTENT_LENGTH}) if $ENV{CONTENT_LENGTH};\nprint "Content-Type: text/plain\\r\\n\\r\\n";\nprint "perl q=$q body=$body\\n";\n`;
  }
  if (PYTHON) {
    all['hello.py'] =
      `#!${PYTHON}\nimport os, sys\nn = int(os.environ.get('CONTENT_LENGTH') or 0)\nbody = sys.stdin.read(n) if n else ''\nsys.stdout.write('Status: 201 Made\\r\\nContent-Type: text/plain\\r\\n\\r\\n')\nsys.stdout.write('python %s %s %s\\n' % (os.environ['REQUEST_METHOD'], os.environ.get('QUERY_STRING'), body))\n`;
  }
  return all;
}

export const NOT_EXECUTABLE = new Set(['noexec.sh']);

export interface Fixture {
  /** The served directory (holds `cgi-bin/`, `static.txt`, `evil.sh`). */
  root: string;
  /** A directory every user may write: scripts leave their pids there. */
  pidDir: string;
  remove(): void;
}

/** Makes the web root. Every directory is 0755 so that scripts running as `nobody` can reach it. */
export function makeFixture(): Fixture {
  const base = mkdtempSync(join(tmpdir(), 'httpstack-cgi-test-'));
  chmodSync(base, 0o755);
  const root = join(base, 'www');
  const pidDir = join(base, 'pids');
  mkdirSync(join(root, 'cgi-bin', 'sub'), { recursive: true, mode: 0o755 });
  mkdirSync(pidDir, { mode: 0o777 });
  chmodSync(pidDir, 0o777);
  for (const [name, text] of Object.entries(scripts())) {
    writeFileSync(join(root, 'cgi-bin', name), text, { mode: NOT_EXECUTABLE.has(name) ? 0o644 : 0o755 });
  }
  writeFileSync(join(root, 'static.txt'), 'static file\n');
  writeFileSync(join(root, 'evil.sh'), '#!/bin/sh\nprintf "Content-Type: text/plain\\n\\nEXECUTED\\n"\n', {
    mode: 0o755,
  });
  return { root, pidDir, remove: () => rmSync(base, { recursive: true, force: true }) };
}

/** A running server and what its handlers logged. */
export interface Running {
  port: number;
  url: string;
  log: string[];
  close(): Promise<void>;
}

/** Serves `root` with a `CGIHTTPRequestHandler` subclass carrying `fields`; logs are kept, not printed. */
export async function serve(root: string, fields: Partial<CGIHTTPRequestHandler> = {}): Promise<Running> {
  const log: string[] = [];
  class Handler extends CGIHTTPRequestHandler {
    override directory = root;
    override protocolVersion = 'HTTP/1.1';
    constructor(...args: ConstructorParameters<typeof CGIHTTPRequestHandler>) {
      super(...args);
      Object.assign(this, fields);
    }
    override logMessage(format: string, ...args: unknown[]): void {
      log.push(formatLog(format, ...args));
    }
  }
  const server = new HTTPServer(['127.0.0.1', 0], Handler);
  await server.serverBind();
  void server.serveForever();
  const port = (server.serverAddress as [string, number])[1];
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    log,
    close: async () => {
      await server.shutdown();
      await server.serverClose();
    },
  };
}

/** True while a process with `pid` exists (and is not a zombie). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    return stat !== '' && !stat.startsWith('Z');
  } catch {
    return false;
  }
}

/** Polls `check` every 20 ms until true, for at most `ms` (process exits have no event to wait on). */
export async function until(check: () => boolean, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return check();
}
