/** Port of `http.server.HTTPServer` (and of the `HTTPSServer` of Python 3.14). */
import { promises as dns } from 'node:dns';
import { hostname } from 'node:os';
import { TCPServer } from '@httpstack/socketserver';

/** How long `serverBind()` waits for the reverse lookup of the bound address. */
const NAME_LOOKUP_MS = 1000;

/**
 * HTTPServer is a `TCPServer` that remembers its name and port after binding, for
 * handlers that build URLs (and for CGI's `SERVER_NAME` / `SERVER_PORT`).
 *
 * **Differs from Python:** `serverName` comes from a reverse lookup of the bound address
 * bounded to one second (the host name for a wildcard address), not a blocking
 * `socket.getfqdn()`. Serves connections concurrently, like Python's `ThreadingHTTPServer`.
 */
export class HTTPServer extends TCPServer {
  /** The server's host name, set by `serverBind()`. */
  serverName = '';
  /** The port the server listens on, set by `serverBind()`. */
  serverPort = 0;

  /** Binds and listens as `TCPServer` does, then sets `serverName` and `serverPort`. */
  override async serverBind(): Promise<void> {
    await super.serverBind();
    const address = this.serverAddress;
    if (typeof address === 'string') {
      this.serverName = address;
      return;
    }
    const [host, port] = address;
    this.serverPort = port;
    this.serverName = await fqdn(host, port);
  }
}

/**
 * HTTPSServer is an `HTTPServer` that speaks TLS: the `tls` option (`node:tls` secure
 * context options such as `cert` and `key`) is required.
 */
export class HTTPSServer extends HTTPServer {
  /** Binds as `HTTPServer` does; throws `TypeError` when no `tls` option was given. */
  override async serverBind(): Promise<void> {
    if (!this.options.tls && !this.tls) throw new TypeError('HTTPSServer needs the tls option (cert and key)');
    await super.serverBind();
  }
}

async function fqdn(host: string, port: number): Promise<string> {
  if (host === '' || host === '0.0.0.0' || host === '::') return hostname();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => (timer = setTimeout(() => resolve(host), NAME_LOOKUP_MS)));
  try {
    return await Promise.race([dns.lookupService(host, port).then((found) => found.hostname, () => host), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
