export { HTTPServer, HTTPSServer, type HTTPServerOptions } from './http-server.js';
export { BaseHTTPRequestHandler } from './base-http-request-handler.js';
export { DEFAULT_ERROR_MESSAGE, DEFAULT_ERROR_CONTENT_TYPE } from './error-message.js';
export { HTTPStatus, DEFAULT_RESPONSES } from './http-status.js';
export { HTTPMessage } from './http-message.js';
export { HTTPRequestError } from './http-request-error.js';
export { printf, SEND_ERROR_FORMAT } from './log-format.js';
export { ChunkedWriter } from './chunked-writer.js';
export { parseRequestTarget, type RequestTarget, type RequestTargetOptions } from './request-target.js';
