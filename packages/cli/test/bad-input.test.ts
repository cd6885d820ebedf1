// Every bad input: one line on stderr naming the problem, nothing on stdout, exit code 2.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');

interface Row {
  name: string;
  args: string[];
  want: RegExp;
}

const rows: Row[] = [
  { name: 'unknown long flag', args: ['--frobnicate'], want: /unknown option '--frobnicate'/ },
  { name: 'unknown short flag', args: ['-x'], want: /unknown option '-x'/ },
  { name: 'port not a number', args: ['eighty'], want: /invalid port 'eighty'/ },
  { name: 'port too large', args: ['65536'], want: /invalid port '65536'/ },
  { name: 'negative port', args: ['--', '-1'], want: /invalid port '-1'/ },
  { name: 'two ports', args: ['8000', '8001'], want: /unexpected argument '8001'/ },
  { name: 'bind without value', args: ['--bind'], want: /option '--bind' needs a value/ },
  { name: 'empty bind', args: ['--bind', ''], want: /invalid bind address ''/ },
  { name: 'unix bind without path', args: ['--bind', 'unix:'], want: /invalid bind address 'unix:'/ },
  {
    name: 'missing directory',
    args: ['-d', 'no/such/folder'],
    want: /cannot serve directory 'no\/such\/folder': no such file or directory/,
  },
  { name: 'directory is a file', args: ['-d', join(FIXTURES, 'site', 'hello.txt')], want: /not a directory/ },
  {
    name: 'bad protocol',
    args: ['-p', 'HTTP/2.0'],
    want: /unsupported protocol 'HTTP\/2.0' \(want HTTP\/1.0 or HTTP\/1.1\)/,
  },
  { name: 'protocol garbage', args: ['--protocol', 'SPDY'], want: /unsupported protocol 'SPDY'/ },
  { name: 'flag with value it does not take', args: ['--cgi=yes'], want: /option '--cgi' takes no value/ },
  { name: 'zero workers', args: ['--workers', '0'], want: /invalid --workers '0'/ },
  { name: 'zero connections', args: ['--max-connections', '0'], want: /invalid --max-connections '0'/ },
  { name: 'workers not a number', args: ['--workers', 'many'], want: /invalid --workers 'many'/ },
  { name: 'negative cache', args: ['--cache=-5'], want: /invalid --cache '-5'/ },
  { name: 'cache not a number', args: ['--cache', '1h'], want: /invalid --cache '1h'/ },
  { name: 'negative shutdown timeout', args: ['--shutdown-timeout=-1'], want: /invalid --shutdown-timeout '-1'/ },
  {
    name: 'shutdown timeout with a unit',
    args: ['--shutdown-timeout', '10s'],
    want: /invalid --shutdown-timeout '10s'/,
  },
  {
    name: 'proxy protocol with a value',
    args: ['--proxy-protocol=v2'],
    want: /option '--proxy-protocol' takes no value/,
  },
  {
    name: 'trusted proxy host name',
    args: ['--trusted-proxy', 'proxy.local'],
    want: /invalid --trusted-proxy 'proxy.local'/,
  },
  {
    name: 'trusted proxy prefix too long',
    args: ['--trusted-proxy', '10.0.0.0/33'],
    want: /invalid --trusted-proxy '10.0.0.0\/33'/,
  },
  {
    name: 'unknown forwarded header',
    args: ['--trusted-proxy', '::1', '--forwarded-header', 'x-real-ip'],
    want: /invalid --forwarded-header 'x-real-ip'/,
  },
  { name: 'cgi flag without --cgi', args: ['--cgi-env', 'A=1'], want: /--cgi-env requires --cgi/ },
  { name: 'cgi-dir not a path', args: ['--cgi', '--cgi-dir', 'git'], want: /invalid --cgi-dir 'git'/ },
  { name: 'cgi-dir climbing', args: ['--cgi', '--cgi-dir', '/a/../b'], want: /invalid --cgi-dir '\/a\/..\/b'/ },
  { name: 'cgi-dir root', args: ['--cgi', '--cgi-dir', '/'], want: /invalid --cgi-dir '\/'/ },
  {
    name: 'cgi-env without =',
    args: ['--cgi', '--cgi-env', 'NAME'],
    want: /invalid --cgi-env 'NAME' \(want NAME=VALUE\)/,
  },
  { name: 'cgi-env bad name', args: ['--cgi', '--cgi-env', 'A-B=1'], want: /invalid --cgi-env 'A-B=1'/ },
  {
    name: 'cgi-interpreter without dot',
    args: ['--cgi', '--cgi-interpreter', 'php=/usr/bin/php-cgi'],
    want: /invalid --cgi-interpreter 'php=\/usr\/bin\/php-cgi'/,
  },
  {
    name: 'cgi-interpreter without program',
    args: ['--cgi', '--cgi-interpreter', '.php='],
    want: /invalid --cgi-interpreter '.php='/,
  },
  { name: 'zero cgi idle timeout', args: ['--cgi', '--cgi-idle-timeout', '0'], want: /invalid --cgi-idle-timeout '0'/ },
  { name: 'cgi timeout with a unit', args: ['--cgi', '--cgi-timeout', '5m'], want: /invalid --cgi-timeout '5m'/ },
  {
    name: 'forwarded header without proxy',
    args: ['--forwarded-header', 'forwarded'],
    want: /--forwarded-header requires --trusted-proxy/,
  },
  { name: 'bad log format', args: ['--log-format', 'xml'], want: /invalid --log-format 'xml' \(want common or json\)/ },
  {
    name: 'missing certificate',
    args: ['--tls-cert', 'no-such.pem'],
    want: /cannot read TLS certificate file 'no-such.pem': no such file or directory/,
  },
  {
    name: 'missing key',
    args: ['--tls-cert', join(FIXTURES, 'tls', 'cert.pem'), '--tls-key', 'no-such-key.pem'],
    want: /cannot read TLS key file 'no-such-key.pem'/,
  },
  {
    name: 'certificate not PEM',
    args: ['--tls-cert', join(FIXTURES, 'site', 'hello.txt')],
    want: /cannot use TLS certificate/,
  },
  { name: 'key without certificate', args: ['--tls-key', 'key.pem'], want: /--tls-key requires --tls-cert/ },
  {
    name: 'password file without certificate',
    args: ['--tls-password-file', 'pw'],
    want: /--tls-password-file requires --tls-cert/,
  },
  {
    name: 'self-signed and a certificate',
    args: ['--tls-self-signed', '--tls-cert', 'c.pem'],
    want: /--tls-self-signed cannot be combined/,
  },
  {
    name: 'encrypted key without its password',
    args: ['--tls-cert', join(FIXTURES, 'tls', 'cert.pem'), '--tls-key', join(FIXTURES, 'tls', 'key-encrypted.pem')],
    want: /cannot use TLS certificate .*cert.pem/,
  },
  {
    name: 'upload overwrite without upload',
    args: ['--upload-overwrite'],
    want: /--upload-overwrite requires --upload/,
  },
  {
    name: 'upload size without upload',
    args: ['--upload-max-size', '1M'],
    want: /--upload-max-size requires --upload/,
  },
  {
    name: 'upload size with a bad unit',
    args: ['--upload', '--upload-max-size', '1T'],
    want: /invalid --upload-max-size '1T'/,
  },
  { name: 'upload size zero', args: ['--upload', '--upload-max-size', '0'], want: /invalid --upload-max-size '0'/ },
  { name: 'auth without a colon', args: ['--auth', 'ann'], want: /invalid --auth \(want USER:PASSWORD\)/ },
  { name: 'auth with an empty password', args: ['--auth', 'ann:'], want: /invalid --auth/ },
  {
    name: 'auth and an auth file',
    args: ['--auth', 'a:b', '--auth-file', 'f'],
    want: /--auth cannot be combined with --auth-file/,
  },
  {
    name: 'missing auth file',
    args: ['--auth-file', 'no-such-users'],
    want: /cannot read --auth-file 'no-such-users': no such file or directory/,
  },
  {
    name: 'Unix socket in a missing folder',
    args: ['--bind', 'unix:no/such/folder/web.sock'],
    want: /cannot make socket 'no\/such\/folder\/web.sock': its folder does not exist/,
  },
  {
    name: 'bind address not on this machine',
    args: ['--bind', '192.0.2.1', '0'],
    want: /cannot listen on 192\.0\.2\.1: this machine has no such address/,
  },
  {
    name: 'unresolvable bind host',
    args: ['--bind', 'no-such-host.invalid', '0'],
    want: /cannot resolve bind address 'no-such-host.invalid'/,
  },
];

describe('httpstack: bad input (argparse: error + exit 2)', () => {
  it.for(rows)('$name', async ({ args, want }) => {
    const { code, stdout, stderr } = await runCli(args);
    expect(stderr).toMatch(want);
    expect(stderr).toMatch(/^httpstack: error: [^\n]+\n$/);
    expect(stdout).toBe('');
    expect(code).toBe(2);
  });

  it('a wrong password in --tls-password-file', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'pw'), 'not-the-password\n');
    const tls = join(FIXTURES, 'tls');
    const { code, stderr } = await runCli([
      '--tls-cert',
      join(tls, 'cert.pem'),
      '--tls-key',
      join(tls, 'key-encrypted.pem'),
      '--tls-password-file',
      join(dir, 'pw'),
    ]);
    expect(stderr).toMatch(/^httpstack: error: cannot use TLS certificate .*: .+\n$/);
    expect(code).toBe(2);
  });

  it('a malformed --auth-file names the file and the line', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'users'), '# users\nann:pw\njust-a-name\n');
    const { code, stderr } = await runCli(['--auth-file', join(dir, 'users')]);
    expect(stderr).toMatch(/^httpstack: error: invalid --auth-file '.*users': line 3: expected USER:PASSWORD\n$/);
    expect(code).toBe(2);
  });

  it('an unreadable password file', async () => {
    const tls = join(FIXTURES, 'tls');
    const { code, stderr } = await runCli(['--tls-cert', join(tls, 'cert.pem'), '--tls-password-file', 'no-such-pw']);
    expect(stderr).toBe("httpstack: error: cannot read TLS password file 'no-such-pw': no such file or directory\n");
    expect(code).toBe(2);
  });
});

describe('httpstack --help / --version', () => {
  it.for([['-h'], ['--help']])('%s prints the usage on stdout and exits 0', async (args) => {
    const { code, stdout, stderr } = await runCli(args);
    expect(stdout).toMatch(/^usage: httpstack \[port\]/);
    for (const flag of [
      '--bind',
      '--directory',
      '--cgi',
      '--protocol',
      '--tls-cert',
      '--tls-key',
      '--tls-password-file',
      '--tls-self-signed',
      '--workers',
      '--cors',
      '--no-dotfiles',
      '--cache',
      '--log-format',
      '--proxy-protocol',
      '--shutdown-timeout',
      '--trusted-proxy',
      '--forwarded-header',
      '--upload',
      '--upload-overwrite',
      '--upload-max-size',
      '--auth',
      '--auth-file',
      '--quiet',
      '--version',
    ]) {
      expect(stdout).toContain(flag);
    }
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('--version prints the package version', async () => {
    const { version } = (await import('../package.json', { with: { type: 'json' } })).default;
    const { code, stdout } = await runCli(['--version']);
    expect(stdout).toBe(`httpstack ${version}\n`);
    expect(code).toBe(0);
  });
});
