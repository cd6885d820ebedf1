// Compile-time check (tsc -p e2e): a ForkingMixIn server takes the options of the class it wraps.
import { ForkingMixIn } from '@httpstack/socketserver';
import { HTTPServer, BaseHTTPRequestHandler } from '@httpstack/basehttpserver';
class F extends ForkingMixIn(HTTPServer) {}
new F(['127.0.0.1', 0], BaseHTTPRequestHandler, { workers: 2, trustedProxies: ['10.0.0.0/8'], proxyProtocol: true });
// @ts-expect-error not an option
new F(['127.0.0.1', 0], BaseHTTPRequestHandler, { workers: 2, nope: 1 });
