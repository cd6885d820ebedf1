/** Cross-origin headers under `cors`: the simple-response lines and the preflight answer (Fetch standard §3.2). */

/** What CORS needs from the handler. */
export interface CorsResponder {
  cors: string | null;
  command: string;
  headers: { get(name: string): string | undefined };
  sendResponse(code: number, message?: string): void;
  sendHeader(keyword: string, value: string): void;
  endHeaders(): void;
}

/** Response headers a cross-origin script may read beyond the safelisted ones. */
export const EXPOSED_HEADERS = 'ETag, Content-Range, Accept-Ranges, Content-Encoding, Content-Disposition';

/** How long a browser may cache a preflight answer, in seconds (Chromium caps it at 7,200). */
export const PREFLIGHT_MAX_AGE = '7200';

/** The CORS lines of an ordinary answer: `Access-Control-Allow-Origin` and `-Expose-Headers`; none when `cors` is null. */
export function corsLines(cors: string | null): Array<[string, string]> {
  if (cors === null) return [];
  return [
    ['Access-Control-Allow-Origin', cors],
    ['Access-Control-Expose-Headers', EXPOSED_HEADERS],
  ];
}

/**
 * Answers an `OPTIONS` request with 204: `Allow` lists `methods`; when the request is a
 * CORS preflight (`Origin` and `Access-Control-Request-Method`) and `cors` is set, also
 * `Access-Control-Allow-Methods`, `-Allow-Headers` (the requested headers echoed), and
 * `-Max-Age`. **Security:** the echoed header names are checked as tokens; anything else
 * is not echoed, so no header can be injected.
 */
export function answerOptions(h: CorsResponder, methods: string[]): void {
  h.sendResponse(204);
  h.sendHeader('Allow', methods.join(', '));
  const preflight =
    h.headers.get('origin') !== undefined && h.headers.get('access-control-request-method') !== undefined;
  if (h.cors !== null) {
    for (const [name, value] of corsLines(h.cors)) h.sendHeader(name, value);
    if (preflight) {
      h.sendHeader('Access-Control-Allow-Methods', methods.join(', '));
      const requested = h.headers.get('access-control-request-headers');
      if (requested !== undefined && TOKEN_LIST.test(requested))
        h.sendHeader('Access-Control-Allow-Headers', requested);
      h.sendHeader('Access-Control-Max-Age', PREFLIGHT_MAX_AGE);
      h.sendHeader('Vary', 'Access-Control-Request-Headers');
    }
  }
  h.sendHeader('Content-Length', '0');
  h.endHeaders();
}

// field-name list: tokens separated by commas and optional whitespace (RFC 9110 §5.6.1)
const TOKEN_LIST = /^[ \t]*[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:[ \t]*,[ \t]*[!#$%&'*+.^_`|~0-9A-Za-z-]+)*[ \t]*$/;

/** The methods `handler` implements: its `do_<METHOD>` members, as `GET, HEAD, …`. */
export function implementedMethods(handler: object): string[] {
  const methods = new Set<string>();
  for (let o: object | null = handler; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const name of Object.getOwnPropertyNames(o)) {
      if (name.startsWith('do_') && typeof (handler as Record<string, unknown>)[name] === 'function')
        methods.add(name.slice(3));
    }
  }
  return [...methods].sort();
}
