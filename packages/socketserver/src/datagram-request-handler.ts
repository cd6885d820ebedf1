/** Port of `socketserver.DatagramRequestHandler`. */
import type { Socket } from 'node:dgram';
import { BaseRequestHandler } from './base-request-handler.js';
import type { BaseServer } from './base-server.js';
import { BufferedReader } from './buffered-reader.js';
import { BytesWriter } from './bytes-writer.js';

/**
 * DatagramRequestHandler serves one datagram: `rfile` reads the packet, and what the
 * handler writes to `wfile` is sent back to the client as one datagram by `finish()`
 * (nothing is sent if nothing was written).
 */
export class DatagramRequestHandler<S extends BaseServer<any> = BaseServer<any>> extends BaseRequestHandler<S> {
  declare request: [data: Buffer, socket: Socket];
  declare clientAddress: [host: string, port: number];
  /** The datagram received. */
  packet!: Buffer;
  /** The server's socket, to answer on. */
  socket!: Socket;
  /** Reads the datagram (already ended: reads stop at its end). */
  rfile!: BufferedReader;
  /** Collects the answer; `finish()` sends it as one datagram. */
  wfile!: BytesWriter;

  /** Wraps the packet in `rfile` and makes an empty `wfile`. May be overridden. */
  override async setup(): Promise<void> {
    [this.packet, this.socket] = this.request;
    this.rfile = new BufferedReader();
    this.rfile.push(this.packet);
    this.rfile.end();
    this.wfile = new BytesWriter();
  }

  /** Sends `wfile`'s contents to the client. May be overridden (call `super.finish()`). */
  override async finish(): Promise<void> {
    if (!this.wfile || this.wfile.length === 0) return;
    const [host, port] = this.clientAddress;
    const data = this.wfile.getValue();
    await new Promise<void>((resolve, reject) =>
      this.socket.send(data, port, host, (error) => (error ? reject(error) : resolve())),
    );
  }
}
