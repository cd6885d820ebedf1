/** Port of `socketserver.StreamRequestHandler`. */
import type { Socket } from 'node:net';
import { BaseRequestHandler } from './base-request-handler.js';
import type { BaseServer } from './base-server.js';
import { BufferedReader } from './buffered-reader.js';
import { SocketWriter } from './socket-writer.js';

/**
 * StreamRequestHandler serves one stream connection through `rfile` (a `BufferedReader`)
 * and `wfile` (a `SocketWriter`), made by `setup()`.
 *
 * Fields that may be overridden: `timeout` (ms of silence after which reads fail; `null`:
 * none), `disableNagleAlgorithm`. Set `idle` to true while waiting between requests, so
 * that a graceful `shutdown()` closes the connection instead of waiting for it.
 *
 * **Differs from Python:** `disableNagleAlgorithm` defaults to true, since a response
 * written in two parts otherwise waits 40 ms for the client's delayed ACK.
 */
export class StreamRequestHandler<S extends BaseServer<any> = BaseServer<any>> extends BaseRequestHandler<S> {
  declare request: Socket;
  /** Reads fail after this many ms without input (`null`: never). May be overridden. */
  timeout: number | null = null;
  /** Sets TCP_NODELAY on the connection in `setup()`. May be overridden. */
  disableNagleAlgorithm = true;
  #idle = false;

  /** The connection: Python's `self.connection`, the same object as `request`. */
  get connection(): Socket {
    return this.request;
  }
  /** The connection's input, buffered; made by `setup()`. */
  rfile!: BufferedReader;
  /** The connection's output, with backpressure; made by `setup()`. */
  wfile!: SocketWriter;

  /**
   * True while the handler waits for a next request with nothing in progress. A graceful
   * `shutdown()` closes idle connections at once; setting `idle` to true while the server
   * is shutting down closes the connection then (`server.shutdownRequest()`), so the
   * handler's next read ends the stream. Declare no field of this name in a subclass.
   */
  get idle(): boolean {
    return this.#idle;
  }

  set idle(value: boolean) {
    this.#idle = value;
    if (value && this.server.shuttingDown) {
      this.wfile?.flush(); // the answer gathered this turn goes out before the FIN
      this.server.shutdownRequest(this.request);
    }
  }

  /** Makes `rfile` and `wfile` over the connection. May be overridden (call `super.setup()`). */
  override async setup(): Promise<void> {
    const socket = this.request;
    if (this.disableNagleAlgorithm) socket.setNoDelay(true);
    const rfile = new BufferedReader(socket);
    socket.on('data', (chunk: Buffer) => rfile.push(chunk));
    socket.on('end', () => rfile.end());
    socket.on('close', () => rfile.end());
    socket.on('error', (error) => rfile.destroy(error));
    if (this.timeout !== null) socket.setTimeout(this.timeout, () => socket.destroy(timeoutError(this.timeout!)));
    this.rfile = rfile;
    this.wfile = new SocketWriter(socket);
  }

  /** Sends what `wfile` still holds. May be overridden (call `super.finish()`). */
  override async finish(): Promise<void> {
    this.wfile?.flush();
  }
}

function timeoutError(ms: number): Error {
  return Object.assign(new Error(`no input for ${ms} ms`), { code: 'ETIMEDOUT', name: 'TimeoutError' });
}
