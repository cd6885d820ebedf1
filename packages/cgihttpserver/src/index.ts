export { CGIHTTPRequestHandler, type CGIInfo, type ResolvedScript } from './cgi-http-request-handler.js';
