/** Port of `socketserver.UDPServer`. */
import * as dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { ServerHandlerClass } from './base-request-handler.js';
import { BaseServer } from './base-server.js';
import type { ServerOptions } from './types.js';

/** A datagram request, as in Python: the packet and the socket to answer on. */
export type DatagramRequest = [data: Buffer, socket: dgram.Socket];

/**
 * UDPServer serves datagrams: each one received is a request for a new handler
 * (usually a `DatagramRequestHandler`). Packets longer than `maxPacketSize` are cut to it,
 * as Python's `recvfrom(max_packet_size)` does.
 */
export class UDPServer<Self = unknown> extends BaseServer<DatagramRequest> {
  /** The bound datagram socket (Python's `socket`), set by `serverBind()`. */
  socket: dgram.Socket | undefined;
  /** SO_REUSEADDR on the datagram socket. */
  allowReuseAddress = false;
  /** SO_REUSEPORT on the datagram socket, where the platform supports it. */
  allowReusePort = false;
  /** Longer datagrams are cut to this many bytes, as Python's `recvfrom(max_packet_size)`. */
  maxPacketSize = 8192;

  #closed = false;

  constructor(
    serverAddress: [host: string, port: number],
    RequestHandlerClass: ServerHandlerClass<Self, UDPServer>,
    options?: ServerOptions,
  ) {
    super(serverAddress, RequestHandlerClass, options);
  }

  /** Binds the socket; fills `serverAddress` with the real address. */
  override async serverBind(): Promise<void> {
    this.applyOptions();
    const [host, port] = this.serverAddress as [string, number];
    const type = isIPv6(host) ? 'udp6' : 'udp4';
    const socket = dgram.createSocket({
      type,
      reuseAddr: this.allowReuseAddress,
      reusePort: this.allowReusePort,
    } as dgram.SocketOptions);
    this.socket = socket;
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host || undefined, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', (error) => this.handleError(undefined as never, this.serverAddress, error));
    socket.on('message', (data, info) => {
      const packet = data.length > this.maxPacketSize ? data.subarray(0, this.maxPacketSize) : data;
      this.acceptRequest([packet, socket], [info.address, info.port]);
    });
    const bound = socket.address();
    this.serverAddress = [bound.address, bound.port];
  }

  /** True once `serverBind()` has made the socket. */
  protected override isBound(): boolean {
    return this.socket !== undefined;
  }

  /** Stops receiving; in-flight handlers can still answer on the socket. */
  protected override async stopAccepting(): Promise<void> {
    this.socket?.removeAllListeners('message');
  }

  /** Runs after the last handler of a `shutdown()`: closes the socket, freeing the port. */
  protected override async closeConnections(): Promise<void> {
    await this.serverClose();
  }

  /** Closes the socket (once; `socket` keeps the closed socket, as Python's does). */
  override async serverClose(): Promise<void> {
    const socket = this.socket;
    if (!socket || this.#closed) return;
    this.#closed = true;
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}
