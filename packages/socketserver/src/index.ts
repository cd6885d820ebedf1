export { BaseServer } from './base-server.js';
export { TCPServer, UnixStreamServer } from './tcp-server.js';
export { UDPServer, type DatagramRequest } from './udp-server.js';
export {
  ForkingMixIn,
  ForkingTCPServer,
  ForkingUDPServer,
  ForkingUnixStreamServer,
  type ForkingOptions,
  type ForkingServer,
  type ForkingServerClass,
} from './forking-mixin.js';
export {
  BaseRequestHandler,
  type RequestHandlerClass,
  type ServerHandlerClass,
  type ServerSelf,
} from './base-request-handler.js';
export { StreamRequestHandler } from './stream-request-handler.js';
export { DatagramRequestHandler } from './datagram-request-handler.js';
export { BufferedReader, type FlowControl } from './buffered-reader.js';
export { SocketWriter, BrokenPipeError, type Chunk } from './socket-writer.js';
export { BytesWriter } from './bytes-writer.js';
export type { Address, ServerOptions } from './types.js';
