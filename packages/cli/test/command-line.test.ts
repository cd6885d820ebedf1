// parseCommandLine (Python: http.server's argparse parser) and the banner (Python: test()).
import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseCommandLine, type CommandLine } from '../src/command-line.js';
import { banner, urlHints } from '../src/internal/messages.js';

const DEFAULTS: CommandLine = {
  bind: { kind: 'tcp', host: undefined, port: 8000 },
  directory: '.',
  cgi: false,
  cgiDirectories: [],
  cgiInterpreters: {},
  cgiEnv: {},
  cgiIdleTimeout: undefined,
  cgiTimeout: undefined,
  protocol: 'HTTP/1.0',
  tlsCert: undefined,
  tlsKey: undefined,
  tlsPasswordFile: undefined,
  tlsSelfSigned: false,
  maxConnections: 2048,
  workers: 1,
  cors: false,
  dotfiles: undefined,
  compress: true,
  spa: false,
  cleanUrls: false,
  cache: undefined,
  logFormat: 'common',
  proxyProtocol: false,
  shutdownTimeout: undefined,
  trustedProxies: [],
  forwardedHeader: 'x-forwarded-for',
  upload: false,
  uploadOverwrite: false,
  uploadMaxSize: undefined,
  auth: undefined,
  authFile: undefined,
  quiet: false,
  help: false,
  version: false,
};

const rows: Array<{ args: string[]; want: Partial<CommandLine> }> = [
  { args: [], want: {} },
  { args: ['8080'], want: { bind: { kind: 'tcp', host: undefined, port: 8080 } } },
  { args: ['0'], want: { bind: { kind: 'tcp', host: undefined, port: 0 } } },
  { args: ['-b', '127.0.0.1', '9000'], want: { bind: { kind: 'tcp', host: '127.0.0.1', port: 9000 } } },
  { args: ['--bind', '::1'], want: { bind: { kind: 'tcp', host: '::1', port: 8000 } } },
  { args: ['--bind=[::1]'], want: { bind: { kind: 'tcp', host: '::1', port: 8000 } } },
  { args: ['-b', 'localhost'], want: { bind: { kind: 'tcp', host: 'localhost', port: 8000 } } },
  { args: ['--bind', 'unix:/tmp/web.sock'], want: { bind: { kind: 'unix', path: '/tmp/web.sock' } } },
  { args: ['-d', 'public', '--cgi'], want: { directory: 'public', cgi: true } },
  {
    args: ['--cgi', '--cgi-dir', '/git/', '--cgi-dir=/apps/php'],
    want: { cgi: true, cgiDirectories: ['/git', '/apps/php'] },
  },
  {
    args: ['--cgi', '--cgi-interpreter', '.php=/usr/bin/php-cgi', '--cgi-interpreter', '.pl=/usr/bin/perl'],
    want: { cgi: true, cgiInterpreters: { '.php': '/usr/bin/php-cgi', '.pl': '/usr/bin/perl' } },
  },
  {
    args: ['--cgi', '--cgi-env', 'GITWEB_CONFIG=/etc/gitweb.conf', '--cgi-env', 'EMPTY=', '--cgi-env', 'A=b=c'],
    want: { cgi: true, cgiEnv: { GITWEB_CONFIG: '/etc/gitweb.conf', EMPTY: '', A: 'b=c' } },
  },
  {
    args: ['--cgi', '--cgi-idle-timeout', '300', '--cgi-timeout', '3600'],
    want: { cgi: true, cgiIdleTimeout: 300, cgiTimeout: 3600 },
  },
  { args: ['-p', 'HTTP/1.1'], want: { protocol: 'HTTP/1.1' } },
  {
    args: ['--tls-cert', 'c.pem', '--tls-key', 'k.pem', '--tls-password-file', 'pw'],
    want: { tlsCert: 'c.pem', tlsKey: 'k.pem', tlsPasswordFile: 'pw' },
  },
  { args: ['--tls-cert', 'both.pem'], want: { tlsCert: 'both.pem' } },
  { args: ['--tls-self-signed'], want: { tlsSelfSigned: true } },
  { args: ['--workers', '4'], want: { workers: 4 } },
  { args: ['--cors', '--dotfiles', '--cache', '3600'], want: { cors: true, dotfiles: true, cache: 3600 } },
  { args: ['--no-dotfiles', '--cache=0'], want: { dotfiles: false, cache: 0 } },
  { args: ['--no-compress', '--spa', '--clean-urls'], want: { compress: false, spa: true, cleanUrls: true } },
  { args: ['--log-format', 'json', '-q'], want: { logFormat: 'json', quiet: true } },
  { args: ['--proxy-protocol', '--shutdown-timeout', '30'], want: { proxyProtocol: true, shutdownTimeout: 30 } },
  { args: ['--shutdown-timeout=0'], want: { shutdownTimeout: 0 } },
  { args: ['--max-connections', '100'], want: { maxConnections: 100 } },
  {
    args: ['--trusted-proxy', '127.0.0.1', '--trusted-proxy', '10.0.0.0/8,fd00::/8'],
    want: { trustedProxies: ['127.0.0.1', '10.0.0.0/8', 'fd00::/8'] },
  },
  {
    args: ['--trusted-proxy', '::1', '--forwarded-header', 'Forwarded'],
    want: { trustedProxies: ['::1'], forwardedHeader: 'forwarded' },
  },
  { args: ['--upload'], want: { upload: true } },
  {
    args: ['--upload', '--upload-overwrite', '--upload-max-size', '2G'],
    want: { upload: true, uploadOverwrite: true, uploadMaxSize: 2 * 1024 ** 3 },
  },
  { args: ['--upload', '--upload-max-size=500m'], want: { upload: true, uploadMaxSize: 500 * 1024 ** 2 } },
  { args: ['--upload-max-size', '1000', '--upload'], want: { upload: true, uploadMaxSize: 1000 } },
  { args: ['--auth', 'ann:pa:ss'], want: { auth: 'ann:pa:ss' } },
  { args: ['--auth-file', 'users.txt'], want: { authFile: 'users.txt' } },
  { args: ['-h'], want: { help: true } },
  { args: ['--version'], want: { version: true } },
  { args: ['not-a-port', '--help', '-p', 'SPDY'], want: { help: true } },
];

describe('parseCommandLine (argparse in http.server)', () => {
  it.for(rows)('$args', ({ args, want }) => {
    expect(parseCommandLine(args)).toEqual({ ...DEFAULTS, ...want });
  });

  it('--workers auto is one per core', () => {
    expect(parseCommandLine(['--workers', 'auto']).workers).toBeGreaterThanOrEqual(1);
  });
});

describe('banner (test() in http.server)', () => {
  it.for([
    {
      address: ['::', 8000] as [string, number],
      tls: false,
      want: 'Serving HTTP on :: port 8000 (http://[::]:8000/) ...',
    },
    {
      address: ['0.0.0.0', 8000] as [string, number],
      tls: false,
      want: 'Serving HTTP on 0.0.0.0 port 8000 (http://0.0.0.0:8000/) ...',
    },
    {
      address: ['::1', 443] as [string, number],
      tls: true,
      want: 'Serving HTTPS on ::1 port 443 (https://[::1]:443/) ...',
    },
  ])('$address tls=$tls', ({ address, tls, want }) => {
    expect(banner(address, tls)).toBe(want);
  });

  it('gives a URL to open for the wildcard addresses only', () => {
    const interfaces = {
      lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }],
      eth0: [
        { address: '192.168.1.20', family: 'IPv4', internal: false },
        { address: 'fe80::1', family: 'IPv6', internal: false },
      ],
      wlan0: [{ address: '10.0.0.7', family: 'IPv4', internal: false }],
    } as unknown as ReturnType<typeof import('node:os').networkInterfaces>;
    expect(urlHints(['::', 8000], false, interfaces)).toEqual([
      'Local:   http://localhost:8000/ (listening on all interfaces, IPv4 and IPv6)',
      'Network: http://192.168.1.20:8000/',
      'Network: http://10.0.0.7:8000/',
    ]);
    expect(urlHints(['0.0.0.0', 8000], true, interfaces)[0]).toContain('https://localhost:8000/');
    expect(urlHints(['0.0.0.0', 8000], true, {})).toHaveLength(1);
    expect(urlHints(['127.0.0.1', 8000], false, interfaces)).toEqual([]);
    expect(urlHints('/run/web.sock', false)).toEqual(['Try: curl --unix-socket /run/web.sock http://localhost/']);
  });

  const python = spawnSync('python3', ['--version']).status === 0;
  if (!python) console.warn('skipping the comparison with python3 -m http.server: python3 not found');

  it.skipIf(!python).for(['127.0.0.1', '::1'])(
    'is byte for byte what python3 -m http.server prints for %s',
    async (host) => {
      const line = await pythonBanner(host);
      const [, port] = /port (\d+)/.exec(line)!;
      expect(banner([host, Number(port)], false)).toBe(line);
    },
  );
});

/** Starts `python3 -m http.server 0 -b host`, returns its first line, and stops it. */
function pythonBanner(host: string): Promise<string> {
  const child = spawn('python3', ['-u', '-m', 'http.server', '0', '-b', host], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`python printed no banner: ${out}`)), 10_000);
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      out += text;
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve(out.split('\n')[0]!);
      }
    });
  }).finally(() => child.kill());
}
