/** Splits the raw bytes of HTTP/1.x responses into status, headers and body. */
import { format } from 'node:util';

/** One parsed response of a raw byte stream. */
export interface RawResponse {
  version: string;
  status: number;
  reason: string;
  headers: Array<[string, string]>;
  header(name: string): string | undefined;
  body: string;
}

/**
 * Splits raw response bytes into responses (Content-Length framed; a response without it
 * runs to the end; 1xx, 204, 304 and `noBody` ones have none).
 */
export function parseResponses(raw: string, noBody: (index: number) => boolean = () => false): RawResponse[] {
  const out: RawResponse[] = [];
  let pos = 0;
  while (pos < raw.length) {
    const end = raw.indexOf('\r\n\r\n', pos);
    if (end === -1) throw new Error(format('unterminated response head: %j', raw.slice(pos)));
    const [statusLine, ...lines] = raw.slice(pos, end).split('\r\n');
    const [, version = '', status = '', reason = ''] = /^(HTTP\/\d\.\d) (\d{3}) ?(.*)$/.exec(statusLine!) ?? [];
    const headers = lines.map(
      (line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()] as [string, string],
    );
    const header = (name: string) => headers.find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
    pos = end + 4;
    const code = Number(status);
    let body = '';
    if (!(code < 200 || code === 204 || code === 304 || noBody(out.length))) {
      const length = header('content-length');
      body = length === undefined ? raw.slice(pos) : raw.slice(pos, pos + Number(length));
      pos += body.length;
    }
    out.push({ version, status: code, reason, headers, header, body });
  }
  return out;
}
