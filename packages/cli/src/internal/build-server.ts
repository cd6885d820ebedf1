/** Wires the layers together: the server class, the handler class and their options. */
import { fileURLToPath } from 'node:url';
import { ForkingMixIn, type Address, type ForkingOptions } from '@httpstack/socketserver';
import { HTTPServer, HTTPSServer, type BasicCredentials, type HTTPServerOptions } from '@httpstack/basehttpserver';
import { SimpleHTTPRequestHandler, type SimpleHTTPOptions } from '@httpstack/simplehttpserver';
import type { Bind, CommandLine } from '../command-line.js';
import type { TlsMaterial } from './files.js';
import { withAccessLog } from './access-log.js';

/** The `httpstack` bin, which workers run (from `dist/internal/`). */
const BIN = fileURLToPath(new URL('../../bin/httpstack.js', import.meta.url));

/** What `buildServer` needs: the command line, with the bind address and files resolved. */
export interface ServerPlan {
  line: CommandLine;
  /** A TCP bind has its host resolved (`::` or `0.0.0.0` when none was given). */
  bind: Bind;
  /** Absolute path of the folder to serve. */
  directory: string;
  tls: TlsMaterial | undefined;
  /** Arguments for the workers, which run the `httpstack` bin (`--workers`). */
  workerArgs: string[];
  /** Accounts of `--auth`/`--auth-file`: every request must present one. */
  credentials?: BasicCredentials | undefined;
}

/** The server `buildServer` returns: an `HTTPServer`, with `ForkingMixIn` for `--workers`. */
export type CliServer = HTTPServer;

/**
 * buildServer makes (without binding) the server the command line asks for: `HTTPServer`,
 * or `HTTPSServer` with TLS, wrapped in `ForkingMixIn` when `--workers` is above 1, serving
 * `SimpleHTTPRequestHandler` (or `CGIHTTPRequestHandler` with `--cgi`) configured for the
 * folder, the protocol version and the access-log format.
 */
export async function buildServer(plan: ServerPlan): Promise<CliServer> {
  const { line, bind, tls } = plan;
  const Handler = await buildHandler(plan);
  const address: Address = bind.kind === 'unix' ? bind.path : [bind.host ?? '::', bind.port];
  const Base = tls ? HTTPSServer : HTTPServer;
  const options: ForkingOptions & HTTPServerOptions = {};
  if (tls)
    options.tls = {
      cert: tls.cert,
      key: tls.key,
      ...(tls.passphrase === undefined ? {} : { passphrase: tls.passphrase }),
    };
  options.maxConnections = line.maxConnections;
  if (line.proxyProtocol) options.proxyProtocol = true;
  if (line.shutdownTimeout !== undefined) options.shutdownTimeout = line.shutdownTimeout * 1000;
  if (line.trustedProxies.length > 0) {
    options.trustedProxies = line.trustedProxies;
    options.forwardedHeader = line.forwardedHeader;
  }
  if (line.workers === 1) return new Base(address, Handler, options);
  options.workers = line.workers;
  options.workerScript = BIN;
  options.workerArgs = plan.workerArgs;
  const Forking = ForkingMixIn(Base);
  return new Forking(address, Handler, options);
}

/** The handler class: static files or CGI, for the folder, with the protocol and log format. */
async function buildHandler(plan: ServerPlan) {
  const { line, directory } = plan;
  const options = { directory, protocolVersion: line.protocol, ...staticOptions(line), ...writeOptions(plan) };
  const Configured = line.cgi
    ? (await loadCGIHandler()).configure({ ...options, ...cgiOptions(line) })
    : SimpleHTTPRequestHandler.configure(options);
  return withAccessLog(Configured, line.quiet ? 'none' : line.logFormat);
}

/** The CGI layer, loaded only for `--cgi` (it is not needed to serve files). */
async function loadCGIHandler() {
  const { CGIHTTPRequestHandler } = await import('@httpstack/cgihttpserver');
  return CGIHTTPRequestHandler;
}

/**
 * `--upload*` and `--auth*`. Auth is set on the handler (`authRealm`, `credentials`), so
 * `BaseHTTPRequestHandler.parseRequest()` checks it before files, listings, CGI or uploads.
 */
function writeOptions({
  line,
  credentials,
}: ServerPlan): SimpleHTTPOptions & { authRealm?: string; credentials?: BasicCredentials } {
  const options: SimpleHTTPOptions & { authRealm?: string; credentials?: BasicCredentials } = {};
  if (line.upload) {
    options.upload = true;
    options.uploadOverwrite = line.uploadOverwrite;
    if (line.uploadMaxSize !== undefined) options.maxUploadSize = line.uploadMaxSize;
  }
  if (credentials !== undefined) {
    options.authRealm = 'httpstack';
    options.credentials = credentials;
  }
  return options;
}

/** The CGI layer's fields for the `--cgi-*` flags. */
function cgiOptions(line: CommandLine) {
  return {
    cgiDirectories: ['/cgi-bin', '/htbin', ...line.cgiDirectories],
    cgiInterpreters: line.cgiInterpreters,
    cgiEnv: line.cgiEnv,
    ...(line.cgiIdleTimeout === undefined ? {} : { cgiIdleTimeout: line.cgiIdleTimeout * 1000 }),
    ...(line.cgiTimeout === undefined ? {} : { cgiTimeout: line.cgiTimeout * 1000 }),
  };
}

/** The static layer's options for `--cors`, `--[no-]dotfiles`, `--no-compress`, `--spa`, `--clean-urls` and `--cache`. */
function staticOptions(line: CommandLine): SimpleHTTPOptions {
  const options: SimpleHTTPOptions = {};
  if (line.cors) options.cors = '*';
  if (line.dotfiles !== undefined) options.dotfiles = line.dotfiles;
  if (!line.compress) options.compress = false;
  if (line.spa) options.spa = true;
  if (line.cleanUrls) options.cleanUrls = true;
  if (line.cache !== undefined) options.cacheControl = `max-age=${line.cache}`;
  return options;
}
