/** The error of a request the server refuses (no Python counterpart: Python has no body helpers). */

/**
 * HTTPRequestError is thrown by the body helpers of `BaseHTTPRequestHandler` (`body()`,
 * `readBody()`) when the request body is refused: `status` is the answer the server sends
 * (413 over `maxBodySize`, 400 malformed, 408 too slow). A handler may catch it; if it does
 * not, the server answers with `sendError(status)` and closes the connection.
 */
export class HTTPRequestError extends Error {
  /** The HTTP status code that answers this fault. */
  readonly status: number;

  constructor(status: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'HTTPRequestError';
    this.status = status;
  }
}
