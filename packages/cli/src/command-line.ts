/** The `httpstack` command line: the flags of `python -m http.server`, plus TLS, workers and static options. */
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';

/** Where to listen: a host and port (`host` undefined = all interfaces), or a Unix socket path. */
export type Bind = { kind: 'tcp'; host: string | undefined; port: number } | { kind: 'unix'; path: string };

/** The parsed, syntax-checked command line. Files are not read yet (see `main`). */
export interface CommandLine {
  bind: Bind;
  /** Folder to serve, as given (default `'.'`). */
  directory: string;
  cgi: boolean;
  /** URL directories whose files are scripts, beyond `/cgi-bin` and `/htbin` (`--cgi-dir`). */
  cgiDirectories: string[];
  /** Interpreters by extension (`--cgi-interpreter .php=/usr/bin/php-cgi`). */
  cgiInterpreters: Record<string, string>;
  /** Variables set for every script (`--cgi-env NAME=VALUE`). */
  cgiEnv: Record<string, string>;
  /** Seconds a script may run without output or input; `undefined` keeps the handler's 60 s. */
  cgiIdleTimeout: number | undefined;
  /** Seconds a script may run in all; `undefined`: no total limit. */
  cgiTimeout: number | undefined;
  /** `'HTTP/1.0'` (default, as Python) or `'HTTP/1.1'` (keep-alive). */
  protocol: 'HTTP/1.0' | 'HTTP/1.1';
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  tlsPasswordFile: string | undefined;
  tlsSelfSigned: boolean;
  /** Connections served at once per process; more are refused (and logged) until some close. */
  maxConnections: number;
  /** Worker processes (`ForkingMixIn`); 1 = serve in this process, like Python. */
  workers: number;
  cors: boolean;
  /** `true` serves dotfiles, `false` hides them, `undefined` keeps the static layer's default (hidden). */
  dotfiles: boolean | undefined;
  /** `false` (`--no-compress`) turns off compression on the fly. */
  compress: boolean;
  /** Serve the root's index page for missing client-side routes (`--spa`). */
  spa: boolean;
  /** `/about` serves `about.html`, `/about.html` redirects to `/about` (`--clean-urls`). */
  cleanUrls: boolean;
  /** `Cache-Control: max-age` in seconds; `undefined` keeps the static layer's default. */
  cache: number | undefined;
  logFormat: 'common' | 'json';
  /** Require a PROXY protocol header on every connection (behind HAProxy / nginx stream). */
  proxyProtocol: boolean;
  /** Seconds a graceful shutdown lets requests in flight finish; `undefined` keeps the server's 10 s. */
  shutdownTimeout: number | undefined;
  /** Proxies (IPs, CIDR blocks) whose forwarding headers name the client; none by default. */
  trustedProxies: string[];
  /** The header those proxies write. */
  forwardedHeader: 'x-forwarded-for' | 'forwarded';
  /** Accept uploads (`PUT`, and the listing's form). */
  upload: boolean;
  /** Let uploads replace existing files. */
  uploadOverwrite: boolean;
  /** Largest upload in bytes; `undefined` keeps the static layer's default (1 GiB). */
  uploadMaxSize: number | undefined;
  /** `USER:PASSWORD` of `--auth`. */
  auth: string | undefined;
  /** File of `USER:PASSWORD` lines (`--auth-file`), read by `main`. */
  authFile: string | undefined;
  quiet: boolean;
  help: boolean;
  version: boolean;
}

/**
 * UsageError is a mistake on the command line or in what it names (a missing folder, an
 * unreadable certificate). `main` prints its message on one line and exits with code 2,
 * as Python's `argparse` does.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The default port, as `python -m http.server`. */
export const DEFAULT_PORT = 8000;

/**
 * Connections one process serves at once by default (`--max-connections`). **Security:**
 * bounds what a flood of slow clients can hold: each costs at most a few small buffers
 * beyond the kernel's socket buffers.
 */
export const DEFAULT_MAX_CONNECTIONS = 2048;

const OPTIONS = {
  bind: { type: 'string', short: 'b' },
  directory: { type: 'string', short: 'd' },
  cgi: { type: 'boolean' },
  'cgi-dir': { type: 'string', multiple: true },
  'cgi-interpreter': { type: 'string', multiple: true },
  'cgi-env': { type: 'string', multiple: true },
  'cgi-idle-timeout': { type: 'string' },
  'cgi-timeout': { type: 'string' },
  protocol: { type: 'string', short: 'p' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'tls-password-file': { type: 'string' },
  'tls-self-signed': { type: 'boolean' },
  'max-connections': { type: 'string' },
  workers: { type: 'string' },
  cors: { type: 'boolean' },
  dotfiles: { type: 'boolean' },
  compress: { type: 'boolean' },
  spa: { type: 'boolean' },
  'clean-urls': { type: 'boolean' },
  cache: { type: 'string' },
  'log-format': { type: 'string' },
  'proxy-protocol': { type: 'boolean' },
  'shutdown-timeout': { type: 'string' },
  'trusted-proxy': { type: 'string', multiple: true },
  'forwarded-header': { type: 'string' },
  upload: { type: 'boolean' },
  'upload-overwrite': { type: 'boolean' },
  'upload-max-size': { type: 'string' },
  auth: { type: 'string' },
  'auth-file': { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

/**
 * parseCommandLine checks `argv` (without `node` and the script) and returns what it asks
 * for; it throws `UsageError` with a one-line message on any mistake: an unknown flag, a
 * missing value, a bad port, protocol, worker count or cache age, conflicting TLS flags.
 * It reads no file.
 *
 * **Differs from Python:** `--protocol` accepts only `HTTP/1.0` and `HTTP/1.1` (the HTTP
 * layer speaks HTTP/1.x; Python would put any string in its status lines).
 */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const { values, positionals } = parseStrict(argv);
  // As with argparse, --help (and --version) answer even when other arguments are wrong.
  if (values.help || values.version)
    return { ...parseCommandLine([]), help: values.help ?? false, version: values.version ?? false };
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
  const port = positionals[0] === undefined ? DEFAULT_PORT : parsePort(positionals[0]);
  const line: CommandLine = {
    bind: parseBind(values.bind, port),
    directory: nonEmpty('--directory', values.directory) ?? '.',
    cgi: values.cgi ?? false,
    cgiDirectories: (values['cgi-dir'] ?? []).map(parseCGIDirectory),
    cgiInterpreters: parsePairs(
      '--cgi-interpreter',
      values['cgi-interpreter'],
      /^\.[^./\s=]+$/,
      'EXTENSION=PROGRAM, e.g. .php=/usr/bin/php-cgi',
    ),
    cgiEnv: parsePairs('--cgi-env', values['cgi-env'], /^[A-Za-z_][A-Za-z0-9_]*$/, 'NAME=VALUE'),
    cgiIdleTimeout: parseSeconds('--cgi-idle-timeout', values['cgi-idle-timeout']),
    cgiTimeout: parseSeconds('--cgi-timeout', values['cgi-timeout']),
    protocol: parseProtocol(values.protocol),
    tlsCert: nonEmpty('--tls-cert', values['tls-cert']),
    tlsKey: nonEmpty('--tls-key', values['tls-key']),
    tlsPasswordFile: nonEmpty('--tls-password-file', values['tls-password-file']),
    tlsSelfSigned: values['tls-self-signed'] ?? false,
    maxConnections:
      values['max-connections'] === undefined
        ? DEFAULT_MAX_CONNECTIONS
        : parseCount('--max-connections', values['max-connections'], 1),
    workers: values.workers === undefined ? 1 : parseCount('--workers', values.workers, 1),
    cors: values.cors ?? false,
    dotfiles: values.dotfiles,
    compress: values.compress ?? true,
    spa: values.spa ?? false,
    cleanUrls: values['clean-urls'] ?? false,
    cache: values.cache === undefined ? undefined : parseCount('--cache', values.cache, 0),
    logFormat: parseLogFormat(values['log-format']),
    proxyProtocol: values['proxy-protocol'] ?? false,
    shutdownTimeout:
      values['shutdown-timeout'] === undefined
        ? undefined
        : parseCount('--shutdown-timeout', values['shutdown-timeout'], 0),
    trustedProxies: (values['trusted-proxy'] ?? []).flatMap(parseTrustedProxies),
    forwardedHeader: parseForwardedHeader(values['forwarded-header']),
    upload: values.upload ?? false,
    uploadOverwrite: values['upload-overwrite'] ?? false,
    uploadMaxSize:
      values['upload-max-size'] === undefined ? undefined : parseSize('--upload-max-size', values['upload-max-size']),
    auth: parseAuth(values.auth),
    authFile: nonEmpty('--auth-file', values['auth-file']),
    quiet: values.quiet ?? false,
    help: values.help ?? false,
    version: values.version ?? false,
  };
  checkTlsFlags(line);
  checkWriteFlags(line);
  checkCGIFlags(line, values);
  if (values['forwarded-header'] !== undefined && line.trustedProxies.length === 0) {
    throw new UsageError('--forwarded-header requires --trusted-proxy');
  }
  return line;
}

function parseStrict(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, allowNegative: true, strict: true });
  } catch (error) {
    throw new UsageError(describeParseError(error));
  }
}

/** Turns `node:util` parseArgs errors into short messages that name the flag. */
function describeParseError(error: unknown): string {
  const { code, message } = error as { code?: string; message: string };
  // Messages name the flag as `'--foo'` or `'-b, --bind <value>'`: keep the long form.
  const flag = /'(?:-\w, )?(--?[\w-]+)/.exec(message)?.[1] ?? '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option '${flag}'`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (/does not take/.test(message)) return `option '${flag}' takes no value`;
    if (/ambiguous/.test(message))
      return `option '${flag}' needs a value (write ${flag}=VALUE for one starting with '-')`;
    return `option '${flag}' needs a value`;
  }
  return message;
}

function parsePort(text: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port <= 65535)) throw new UsageError(`invalid port '${text}' (want a number from 0 to 65535)`);
  return port;
}

function parseBind(text: string | undefined, port: number): Bind {
  if (text === undefined) return { kind: 'tcp', host: undefined, port };
  if (text.startsWith('unix:')) {
    const path = text.slice('unix:'.length);
    if (path === '') throw new UsageError(`invalid bind address '${text}' (want unix:/path/to/socket)`);
    return { kind: 'unix', path };
  }
  // Accept the URL form `[::1]` as well as the bare address `::1`.
  const host = /^\[(.*)\]$/.exec(text)?.[1] ?? text;
  if (host === '' || /[\s/]/.test(host)) throw new UsageError(`invalid bind address '${text}'`);
  return { kind: 'tcp', host, port };
}

function parseProtocol(text: string | undefined): CommandLine['protocol'] {
  if (text === undefined || text === 'HTTP/1.0' || text === 'HTTP/1.1') return text ?? 'HTTP/1.0';
  throw new UsageError(`unsupported protocol '${text}' (want HTTP/1.0 or HTTP/1.1)`);
}

function parseLogFormat(text: string | undefined): CommandLine['logFormat'] {
  if (text === undefined || text === 'common' || text === 'json') return text ?? 'common';
  throw new UsageError(`invalid --log-format '${text}' (want common or json)`);
}

/** A whole number at least `min`; `--workers auto` means one per core. */
function parseCount(flag: string, text: string, min: number): number {
  if (flag === '--workers' && text === 'auto') return availableParallelism();
  const value = /^\d{1,9}$/.test(text) ? Number(text) : NaN;
  if (!(value >= min)) {
    const want = min === 0 ? 'a whole number of seconds' : 'a whole number of at least 1, or auto';
    throw new UsageError(`invalid ${flag} '${text}' (want ${want})`);
  }
  return value;
}

/** `--trusted-proxy`: IP addresses and CIDR blocks, comma-separated or repeated. */
function parseTrustedProxies(text: string): string[] {
  return text.split(',').map((entry) => {
    const [address = '', bits, extra] = entry.trim().split('/');
    const type = isIP(address);
    const max = type === 4 ? 32 : 128;
    const ok =
      type !== 0 && extra === undefined && (bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max));
    if (!ok)
      throw new UsageError(`invalid --trusted-proxy '${entry}' (want an IP address or CIDR block such as 10.0.0.0/8)`);
    return entry.trim();
  });
}

function parseForwardedHeader(text: string | undefined): CommandLine['forwardedHeader'] {
  const name = text?.toLowerCase();
  if (name === undefined || name === 'x-forwarded-for' || name === 'forwarded') return name ?? 'x-forwarded-for';
  throw new UsageError(`invalid --forwarded-header '${text}' (want x-forwarded-for or forwarded)`);
}

/** `--cgi-dir`: a URL path such as `/git` (a trailing slash is dropped). */
function parseCGIDirectory(text: string): string {
  const dir = text.replace(/(.)\/+$/, '$1');
  const segments = dir.split('/').slice(1);
  if (
    !dir.startsWith('/') ||
    dir === '/' ||
    segments.some((segment) => segment === '' || segment === '.' || segment === '..' || /[\s?#%\\]/.test(segment))
  ) {
    throw new UsageError(`invalid --cgi-dir '${text}' (want a URL path such as /git)`);
  }
  return dir;
}

/** Repeated `KEY=VALUE` flags (`--cgi-env`, `--cgi-interpreter`) as a record; keys must match `key`. */
function parsePairs(flag: string, texts: string[] | undefined, key: RegExp, want: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const text of texts ?? []) {
    const mark = text.indexOf('=');
    const name = text.slice(0, mark);
    const value = text.slice(mark + 1);
    if (mark === -1 || !key.test(name) || (flag === '--cgi-interpreter' && value === '')) {
      throw new UsageError(`invalid ${flag} '${text}' (want ${want})`);
    }
    pairs[name] = value;
  }
  return pairs;
}

/** A time limit in whole seconds, at least 1. */
function parseSeconds(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = /^\d{1,7}$/.test(text) ? Number(text) : NaN;
  if (!(value >= 1)) throw new UsageError(`invalid ${flag} '${text}' (want a whole number of seconds, at least 1)`);
  return value;
}

/** The `--cgi-*` flags mean nothing without `--cgi`. */
function checkCGIFlags(line: CommandLine, values: Record<string, unknown>): void {
  if (line.cgi) return;
  const given = ['cgi-dir', 'cgi-interpreter', 'cgi-env', 'cgi-idle-timeout', 'cgi-timeout'].find(
    (name) => values[name] !== undefined,
  );
  if (given !== undefined) throw new UsageError(`--${given} requires --cgi`);
}

function nonEmpty(flag: string, text: string | undefined): string | undefined {
  if (text === '') throw new UsageError(`option '${flag}' needs a value`);
  return text;
}

function checkTlsFlags(line: CommandLine): void {
  if (line.tlsSelfSigned && (line.tlsCert || line.tlsKey)) {
    throw new UsageError('--tls-self-signed cannot be combined with --tls-cert/--tls-key');
  }
  if (line.tlsKey && !line.tlsCert) throw new UsageError('--tls-key requires --tls-cert');
  if (line.tlsPasswordFile && !line.tlsCert) throw new UsageError('--tls-password-file requires --tls-cert');
}

/** `--upload-max-size`: bytes, with an optional K, M or G suffix (powers of 1024). */
function parseSize(flag: string, text: string): number {
  const match = /^(\d{1,12})([KMG]?)$/i.exec(text);
  const scale = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[
    (match?.[2] ?? '').toUpperCase() as '' | 'K' | 'M' | 'G'
  ];
  if (!match || !(Number(match[1]) > 0))
    throw new UsageError(`invalid ${flag} '${text}' (want a size in bytes such as 500M or 2G)`);
  return Number(match[1]) * scale;
}

/** `--auth USER:PASSWORD`: both parts non-empty (the password may hold `:`). */
function parseAuth(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const colon = text.indexOf(':');
  if (colon <= 0 || colon === text.length - 1) throw new UsageError(`invalid --auth (want USER:PASSWORD)`);
  return text;
}

function checkWriteFlags(line: CommandLine): void {
  if (!line.upload && (line.uploadOverwrite || line.uploadMaxSize !== undefined)) {
    throw new UsageError(`--${line.uploadOverwrite ? 'upload-overwrite' : 'upload-max-size'} requires --upload`);
  }
  if (line.auth !== undefined && line.authFile !== undefined)
    throw new UsageError('--auth cannot be combined with --auth-file');
}
