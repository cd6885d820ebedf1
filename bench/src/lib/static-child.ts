/** The child side of the static suites: httpstack serving a folder, as every static contender is run. */
import { HTTPServer } from '@httpstack/basehttpserver';
import { SimpleHTTPRequestHandler } from '@httpstack/simplehttpserver';
import { serveChild } from './child.js';

/** Keep-alive connections outlive a whole wrk run (the peers' defaults are as long or longer). */
export const KEEP_ALIVE_MS = 120_000;

/** Serves `directory` with `SimpleHTTPRequestHandler` over HTTP/1.1, no access log (the peers write none). */
export async function serveStaticChild(directory: string): Promise<void> {
  class Static extends SimpleHTTPRequestHandler.configure({ directory, protocolVersion: 'HTTP/1.1' }) {
    override keepAliveTimeout = KEEP_ALIVE_MS;
    override logMessage(): void {}
  }
  const server = new HTTPServer(['127.0.0.1', 0], Static);
  await server.serverBind();
  void server.serveForever();
  serveChild((server.serverAddress as [string, number])[1]);
}
