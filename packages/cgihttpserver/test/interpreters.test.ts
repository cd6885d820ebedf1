// Interpreter mapping (cgiInterpreters), the variables applications read beyond RFC 3875,
// and SERVER_NAME from the request's Host — with real interpreters over real sockets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serverNameOf } from '../src/internal/meta-variables.js';
import { exchange, makeFixture, PERL, PYTHON, serve, type Fixture, type Running } from './helpers.js';

const PHP_CGI = ['/usr/bin/php-cgi', '/usr/local/bin/php-cgi'].find((path) => existsSync(path));
if (!PHP_CGI) console.warn('php-cgi not found: the php-cgi mapping test is skipped');
if (!PERL) console.warn('perl not found: the Perl mapping test is skipped');

let fixture: Fixture;
let running: Running;
beforeAll(async () => {
  fixture = makeFixture();
  const bin = join(fixture.root, 'cgi-bin');
  // Mapped scripts are read by their interpreter: mode 0644, no #! line.
  writeFileSync(
    join(bin, 'page.php'),
    '<?php header("X-Php: yes"); echo "php a=", $_GET["a"] ?? "", " root=", $_SERVER["DOCUMENT_ROOT"], "\\n";',
    { mode: 0o644 },
  );
  writeFileSync(join(bin, 'plain.pl'), 'print "Content-Type: text/plain\\n\\nperl $ENV{SCRIPT_NAME}\\n";\n', {
    mode: 0o644,
  });
  writeFileSync(
    join(bin, 'argv.py'),
    `#!${PYTHON ?? '/usr/bin/python3'}\nimport os, sys\nprint("Content-Type: text/plain\\n")\nprint("flags", " ".join(sys.orig_argv[1:-1]) or "none", "unbuffered", os.environ.get("PYTHONUNBUFFERED"))\n`,
    { mode: 0o755 },
  );
  writeFileSync(join(fixture.root, 'stray.php'), '<?php $password = "secret"; echo "ran";', { mode: 0o644 });
  const interpreters: Record<string, string> = {};
  if (PHP_CGI) interpreters['.php'] = PHP_CGI;
  if (PERL) interpreters['.pl'] = PERL;
  running = await serve(fixture.root, {
    cgiInterpreters: { '.php': PHP_CGI ?? '/nonexistent/php-cgi', ...interpreters },
  });
});
afterAll(async () => {
  await running?.close();
  fixture?.remove();
});

/** The raw response to a GET of `target` with the given extra header lines. */
const get = (target: string, headers = 'Host: x\r\n') =>
  exchange(running.port, `GET ${target} HTTP/1.1\r\n${headers}Connection: close\r\n\r\n`);

describe('cgiInterpreters', () => {
  it.skipIf(!PHP_CGI)('runs a .php page with php-cgi (REDIRECT_STATUS set, file not executable)', async () => {
    const raw = await get('/cgi-bin/page.php?a=1');
    expect(raw).toMatch(/^HTTP\/1\.1 200 /);
    expect(raw).toContain('X-Php: yes');
    expect(raw).toContain(`php a=1 root=${fixture.root}\n`);
  });

  it.skipIf(!PERL)('runs a .pl script with perl, though it is not executable', async () => {
    const raw = await get('/cgi-bin/plain.pl');
    expect(raw).toContain('\r\n\r\nperl /cgi-bin/plain.pl\n');
  });

  it.skipIf(!PYTHON)('Python keeps its mapping, with no -u forced on it (PYTHONUNBUFFERED instead)', async () => {
    const raw = await get('/cgi-bin/argv.py');
    expect(raw).toContain('flags none unbuffered 1\n');
  });

  it.for([
    { target: '/stray.php', status: 403 },
    { target: '/stray.ph%70', status: 403 },
    { target: '/stray.php/', status: 403 },
    { target: '/./stray.php', status: 403 },
    { target: '/STRAY.PHP', status: 403 }, // refused by its extension in any case, file or not
    { target: '/x/../stray.php', status: 404 }, // the static layer refuses `..` first
  ])('$target outside the CGI directories answers $status, neither run nor served', async ({ target, status }) => {
    const raw = await get(target);
    expect(raw.slice(0, 12)).toBe(`HTTP/1.1 ${status}`);
    expect(raw).not.toContain('secret');
    expect(raw).not.toContain('ran');
  });

  it('without a mapping, a .php file outside the CGI directories is a file, as any other (Python)', async () => {
    const plain = await serve(fixture.root);
    try {
      const response = await fetch(`${plain.url}/stray.php`);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('secret');
    } finally {
      await plain.close();
    }
  });
});

describe('variables for applications', () => {
  it('sets REDIRECT_STATUS, DOCUMENT_ROOT, REQUEST_SCHEME, SERVER_ADDR, SCRIPT_FILENAME as lighttpd', async () => {
    const raw = await get('/cgi-bin/env.sh');
    expect(raw).toContain('\nREDIRECT_STATUS=200\n');
    expect(raw).toContain(`\nDOCUMENT_ROOT=${fixture.root}\n`);
    expect(raw).toContain('\nREQUEST_SCHEME=http\n');
    expect(raw).toContain('\nSERVER_ADDR=127.0.0.1\n');
    expect(raw).toContain(`\nSCRIPT_FILENAME=${join(fixture.root, 'cgi-bin', 'env.sh')}\n`);
    expect(raw).not.toContain('\nHTTPS=');
  });

  it.for([
    { host: 'Example.COM:8080', want: 'example.com' },
    { host: 'www.example.org', want: 'www.example.org' },
    { host: '[::1]:8000', want: '[::1]' },
    { host: '127.0.0.1', want: '127.0.0.1' },
  ])('SERVER_NAME is $want for Host $host', async ({ host, want }) => {
    const raw = await get('/cgi-bin/env.sh', `Host: ${host}\r\n`);
    expect(raw).toContain(`\nSERVER_NAME=${want}\n`);
  });

  it('without Host (HTTP/1.0), SERVER_NAME is the server name', async () => {
    const raw = await exchange(running.port, 'GET /cgi-bin/env.sh HTTP/1.0\r\n\r\n');
    expect(raw).toMatch(/\nSERVER_NAME=[^\n]+\n/);
    expect(serverNameOf(undefined, 'fallback.example')).toBe('fallback.example');
    expect(serverNameOf('', 'fallback.example')).toBe('fallback.example');
  });

  it('a Host the HTTP layer refuses never reaches a script', async () => {
    const raw = await get('/cgi-bin/env.sh', 'Host: a b\r\n');
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
  });
});
