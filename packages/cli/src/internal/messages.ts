/** What the command prints: Python's banner, a URL hint, and one-line bind errors. */
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Bind, CommandLine } from '../command-line.js';

/** A bound address as the socket core reports it: `[host, port]` or a Unix socket path. */
export type BoundAddress = [host: string, port: number] | string;

/**
 * The line `python -m http.server` prints once it listens, from the bound address:
 * `Serving HTTP on :: port 8000 (http://[::]:8000/) ...`; `HTTPS` with TLS, as Python 3.14.
 * A Unix socket prints its path: `Serving HTTP on unix:/run/web.sock ...`.
 */
export function banner(address: BoundAddress, tls: boolean): string {
  const scheme = tls ? 'HTTPS' : 'HTTP';
  if (typeof address === 'string') return `Serving ${scheme} on unix:${address} ...`;
  const [host, port] = address;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return `Serving ${scheme} on ${host} port ${port} (${scheme.toLowerCase()}://${urlHost}:${port}/) ...`;
}

/**
 * Lines with URLs a browser, a phone or `curl` can open when the banner's is not one: for
 * the wildcard addresses `::` and `0.0.0.0`, `localhost` and then each non-internal IPv4
 * address of the machine (what a user types on another device), one line per URL; for Unix
 * sockets, a `curl` line. None for a single address.
 */
export function urlHints(address: BoundAddress, tls: boolean, interfaces = networkInterfaces()): string[] {
  const scheme = tls ? 'https' : 'http';
  if (typeof address === 'string') return [`Try: curl --unix-socket ${address} ${scheme}://localhost/`];
  const [host, port] = address;
  if (host !== '::' && host !== '0.0.0.0') return [];
  const which = host === '::' ? 'all interfaces, IPv4 and IPv6' : 'all IPv4 interfaces';
  const lines = [`Local:   ${scheme}://localhost:${port}/ (listening on ${which})`];
  for (const ip of lanAddresses(interfaces)) lines.push(`Network: ${scheme}://${ip}:${port}/`);
  return lines;
}

/** The machine's non-internal IPv4 addresses, in interface order, each once. */
function lanAddresses(interfaces: ReturnType<typeof networkInterfaces>): string[] {
  const found = new Set<string>();
  for (const list of Object.values(interfaces)) {
    for (const info of list ?? []) if (info.family === 'IPv4' && !info.internal) found.add(info.address);
  }
  return [...found];
}

/**
 * The warning for `--upload` without `--auth`/`--auth-file` on an address other machines
 * can reach (anything but loopback and Unix sockets): anyone who can connect may write
 * files. `undefined` when there is nothing to warn about.
 */
export function openUploadWarning(line: CommandLine, bind: Bind, authenticated: boolean): string | undefined {
  if (!line.upload || authenticated || bind.kind === 'unix' || isLoopback(bind.host)) return undefined;
  const where = bind.host === undefined || bind.host === '::' || bind.host === '0.0.0.0' ? 'all interfaces' : bind.host;
  return `--upload without --auth on ${where}: anyone who can reach this port can write files (add --auth-file, or -b 127.0.0.1)`;
}

function isLoopback(host: string | undefined): boolean {
  if (host === undefined) return false;
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/**
 * Turns an error from binding into one line: a port in use, a port that needs privileges, a
 * host name that does not resolve, an address this machine does not have. Unknown errors
 * keep their message.
 */
export function describeBindError(error: unknown, bind: Bind): string {
  const { code, message } = error as NodeJS.ErrnoException;
  const where =
    bind.kind === 'unix'
      ? `socket ${bind.path}`
      : `port ${bind.port}${bind.host === undefined ? '' : ` on ${bind.host}`}`;
  switch (code) {
    case 'EADDRINUSE':
      return bind.kind === 'unix'
        ? `${where} is already in use (remove the file if no server is running)`
        : `${where} is already in use (is another server running? pick another port, or 0 for any free one)`;
    case 'EACCES':
      return `permission denied to listen on ${where}${bind.kind === 'tcp' && bind.port < 1024 ? ' (ports below 1024 need privileges)' : ''}`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${bind.kind === 'tcp' ? bind.host : where}: this machine has no such address`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve bind address '${bind.kind === 'tcp' ? bind.host : bind.path}'`;
    default:
      return `cannot listen on ${where}: ${message ?? String(error)}`;
  }
}

/**
 * The exit code for a bind error: 2 when the command line named an address that cannot be
 * (a host that does not resolve, an address this machine lacks), 1 when the address is
 * fine but busy or forbidden (a port in use, a privileged port).
 */
export function bindErrorExitCode(error: unknown): number {
  const { code } = error as NodeJS.ErrnoException;
  return code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EADDRNOTAVAIL' ? 2 : 1;
}

/** `--help`: the usage line and every flag. */
export const USAGE = `usage: httpstack [port] [-b ADDRESS] [-d DIRECTORY] [--cgi] [-p VERSION]
                 [--cgi-dir PATH] [--cgi-interpreter EXT=PROGRAM] [--cgi-env NAME=VALUE]
                 [--cgi-idle-timeout SECONDS] [--cgi-timeout SECONDS]
                 [--tls-cert FILE [--tls-key FILE] [--tls-password-file FILE] | --tls-self-signed]
                 [--max-connections N]
                 [--workers N] [--cors] [--[no-]dotfiles] [--no-compress] [--spa]
                 [--clean-urls] [--cache SECONDS]
                 [--log-format common|json] [--proxy-protocol] [--shutdown-timeout SECONDS]
                 [--trusted-proxy ADDR [--forwarded-header NAME]]
                 [--upload [--upload-overwrite] [--upload-max-size SIZE]]
                 [--auth USER:PASSWORD | --auth-file FILE] [-q] [-h] [--version]

Serve a folder over HTTP, like \`python -m http.server\`.

positional arguments:
  port                     bind to this port (default: 8000; 0 picks a free one)

options:
  -b, --bind ADDRESS       bind to this address (default: all interfaces, IPv4 and IPv6);
                           unix:/path/to/socket serves on a Unix socket
  -d, --directory DIR      serve this directory (default: current directory)
  --cgi                    run as CGI server (scripts in /cgi-bin and /htbin)
  --cgi-dir PATH           also run scripts from this URL directory, e.g. /git (repeat)
  --cgi-interpreter EXT=PROGRAM  run scripts ending in EXT with PROGRAM, e.g.
                           .php=/usr/bin/php-cgi (repeat); such files outside the CGI
                           directories are refused
  --cgi-env NAME=VALUE     set this variable for every script (repeat)
  --cgi-idle-timeout SECONDS  stop a script after this long with no output and no input
                           (default: 60)
  --cgi-timeout SECONDS    stop a script after this long in all (default: no limit)
  -p, --protocol VERSION   HTTP/1.0 (default) or HTTP/1.1 (keep-alive)
  --tls-cert FILE          serve HTTPS with this certificate chain (PEM)
  --tls-key FILE           private key for --tls-cert (default: in the certificate file)
  --tls-password-file FILE password of an encrypted --tls-key
  --tls-self-signed        make a throwaway certificate for localhost and print its
                           SHA-256 fingerprint
  --max-connections N      connections served at once per process; more are refused and
                           logged until some close (default: 2048)
  --workers N              worker processes sharing the port (default: 1; auto: one per core)
  --cors                   allow cross-origin requests (Access-Control-Allow-Origin: *,
                           OPTIONS preflights answered 204)
  --dotfiles, --no-dotfiles  serve or hide files whose names start with '.' (default: hide)
  --no-compress            do not compress text, JSON, JS, CSS, SVG… on the fly
                           (br/gzip by Accept-Encoding; precompressed .br/.gz still sent)
  --spa                    single-page app: serve /index.html for missing paths without
                           an extension that accept HTML
  --clean-urls             serve /about from about.html, redirect /about.html to /about
  --cache SECONDS          send Cache-Control: max-age=SECONDS
  --log-format FORMAT      access log on stderr: common (default, as Python) or json
  --proxy-protocol         require a PROXY protocol v1/v2 header on every connection and
                           log the client it names (only behind HAProxy or nginx stream)
  --shutdown-timeout SECONDS  on Ctrl-C/SIGTERM, let requests in flight finish for at most
                           this long (default: 10)
  --trusted-proxy ADDR     believe X-Forwarded-For/-Proto from this proxy (IP or CIDR;
                           repeat or comma-separate); never believed by default
  --forwarded-header NAME  the header the trusted proxies write: x-forwarded-for (default)
                           or forwarded (RFC 7239)
  --upload                 accept uploads: PUT /path/name (curl -T) and the upload form
                           on directory listings; off by default
  --upload-overwrite       let an upload replace an existing file (default: 409 Conflict)
  --upload-max-size SIZE   largest upload, e.g. 500M or 2G (default: 1G; 413 beyond)
  --auth USER:PASSWORD     ask every request for this user and password (HTTP Basic; use
                           TLS beyond localhost); visible in ps: prefer --auth-file
  --auth-file FILE         as --auth, with USER:PASSWORD or USER:$scrypt$... lines
  -q, --quiet              no access log (errors are still printed)
  -h, --help               show this help and exit
  --version                print the version and exit
`;
