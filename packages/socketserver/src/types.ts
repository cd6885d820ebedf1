/** Shapes shared by the servers and handlers of the socket core. */
import type { SecureContextOptions, TlsOptions } from 'node:tls';

/** Python's address tuple: `[host, port]` for IP sockets, a path for Unix sockets. */
export type Address = [host: string, port: number] | string;

/**
 * Options a server takes as its third constructor argument: what Python sets by class
 * attribute or constructor keyword, plus this stack's own. Every option is also a field a
 * subclass can re-declare; an option given here wins over the field's default.
 */
export interface ServerOptions {
  /** Serve TLS: `node:tls` secure-context options such as `cert` and `key`. */
  tls?: SecureContextOptions & TlsOptions;
  /** Connections beyond this many at once are closed on arrival. Default: no limit. */
  maxConnections?: number;
  /** Listen backlog. Default 511 (Python's 5 stalls bursts of connects). */
  requestQueueSize?: number;
  /** Close a connection that neither sends nor receives for this many ms. 0 = never. */
  idleTimeout?: number;
  /** `handleRequest()` waits this many ms for a request, then calls `handleTimeout()`. */
  timeout?: number | null;
  /** How long `shutdown()` lets in-flight requests finish before closing them, in ms. */
  shutdownTimeout?: number;
  /** Sets SO_REUSEADDR (UDP; Node always sets it on TCP listeners). */
  allowReuseAddress?: boolean;
  /** Sets SO_REUSEPORT where the platform and Node support it. */
  allowReusePort?: boolean;
  /**
   * Require a PROXY protocol (v1 or v2) header on every connection and take the client's
   * address from it. Default false. Only for servers that nothing reaches but the proxy.
   */
  proxyProtocol?: boolean;
  /** With `proxyProtocol`, close a connection whose header is not complete within this many ms. Default 5000. */
  proxyHeaderTimeout?: number;
}
