/** Wires the layers together: the server class, the handler class and their options. */
import { fileURLToPath } from 'node:url';
import { ForkingMixIn, type Address, type ForkingOptions } from '@httpstack/socketserver';
import { HTTPServer, HTTPSServer, type HTTPServerOptions } from '@httpstack/basehttpserver';
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
  if (tls) options.tls = { cert: tls.cert, key: tls.key, ...(tls.passphrase === undefined ? {} : { passphrase: tls.passphrase }) };
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
  const Static = line.cgi ? await loadCGIHandler() : SimpleHTTPRequestHandler;
  const Configured = Static.configure({ directory, protocolVersion: line.protocol, ...staticOptions(line) });
  return withAccessLog(Configured, line.quiet ? 'none' : line.logFormat);
}

/** The CGI layer, loaded only for `--cgi` (it is not needed to serve files). */
async function loadCGIHandler() {
  const { CGIHTTPRequestHandler } = await import('@httpstack/cgihttpserver');
  return CGIHTTPRequestHandler;
}

/** The static layer's options for `--cors`, `--[no-]dotfiles` and `--cache`. */
function staticOptions(line: CommandLine): SimpleHTTPOptions {
  const options: SimpleHTTPOptions = {};
  if (line.cors) options.cors = '*';
  if (line.dotfiles !== undefined) options.dotfiles = line.dotfiles;
  if (line.cache !== undefined) options.cacheControl = `max-age=${line.cache}`;
  return options;
}
