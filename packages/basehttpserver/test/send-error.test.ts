// sendError with any text: the status stays what the handler asked for (never a 500 because
// of the message), the text reaches the body escaped for its content type, and errorPage()
// lets a subclass send JSON. Over real sockets: raw bytes and Node's fetch.
import { describe, expect, it } from 'vitest';
import { formatErrorPage } from '../src/error-message.js';
import type { ErrorPage } from '../src/index.js';
import { exchange, QuietHandler, serve } from './helpers.js';

/** Answers every `GET /?TEXT` with `sendError(400, TEXT)` (TEXT percent-decoded). */
class Refuser extends QuietHandler {
  do_GET(): void {
    this.sendError(400, decodeURIComponent(this.path.slice(2)));
  }
}

/** The default page, as JSON: only the template and the content type change. */
class JsonRefuser extends Refuser {
  override errorContentType = 'application/json';
  override errorMessageFormat = '{"code": %(code)d, "message": "%(message)s", "explain": "%(explain)s"}';
}

/** RFC 9457 problem details, built by the errorPage() hook. */
class ProblemRefuser extends Refuser {
  override errorPage(code: number, message: string): ErrorPage {
    return { contentType: 'application/problem+json', body: JSON.stringify({ status: code, title: message }) };
  }
}

const HOSTILE: Array<[string, string]> = [
  ['CR LF (response splitting)', 'bad\r\nX-Injected: 1\r\n\r\n<script>'],
  ['a lone LF', 'line one\nline two'],
  ['NUL', 'nul\0here'],
  ['beyond Latin-1', 'naïve ✓ 😀 日本'],
  ['DEL and C1 controls', 'del\x7f c1\x85'],
  ['quotes, backslash, HTML', 'say "hi" \\ <b>&amp;</b> \'x\''],
];

async function get(Handler: typeof Refuser, message: string): Promise<Response> {
  const { port } = await serve(Handler);
  return fetch(`http://127.0.0.1:${port}/?${encodeURIComponent(message)}`);
}

describe('sendError(400, message)', () => {
  it.for(HOSTILE)('stays a 400 with the standard phrase when the message cannot be one: %s', async ([, message]) => {
    const response = await get(Refuser, message);
    expect(response.status).toBe(400);
    expect(response.headers.get('X-Injected')).toBeNull();
    expect(response.headers.get('Connection')).toBe('close');
    const body = await response.text();
    expect(body).toContain(
      `<p>Message: ${message.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}.</p>`,
    );
    expect(body).not.toContain('<script>');
  });

  it('keeps a message that is a valid reason phrase as the reason phrase (Python does)', async () => {
    const { port } = await serve(Refuser);
    const raw = await exchange(port, 'GET /?No%20such%20note HTTP/1.0\r\n\r\n');
    expect(raw).toMatch(/^HTTP\/1\.0 400 No such note\r\n/);
  });

  it('sends the standard phrase, not the text, for a message with CR LF', async () => {
    const { port } = await serve(Refuser);
    const raw = await exchange(port, 'GET /?a%0D%0AX-Injected:%201 HTTP/1.0\r\n\r\n');
    const [head = '', body = ''] = raw.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.0 400 Bad Request\r\n/);
    expect(head).not.toMatch(/^X-Injected/m);
    expect(body).toContain('<p>Message: a\r\nX-Injected: 1.</p>');
  });

  it.for(HOSTILE)('gives valid JSON with errorContentType application/json: %s', async ([, message]) => {
    const response = await get(JsonRefuser, message);
    expect(response.status).toBe(400);
    expect(response.headers.get('Content-Type')).toBe('application/json');
    expect(await response.json()).toEqual({ code: 400, message, explain: 'Bad request syntax or unsupported method' });
  });

  it('lets errorPage() send its own body and content type, with the right Content-Length', async () => {
    const response = await get(ProblemRefuser, 'Missing field "name" ✓');
    expect(response.status).toBe(400);
    expect(response.headers.get('Content-Type')).toBe('application/problem+json');
    const body = Buffer.from(await response.arrayBuffer());
    expect(Number(response.headers.get('Content-Length'))).toBe(body.length);
    expect(JSON.parse(body.toString('utf8'))).toEqual({ status: 400, title: 'Missing field "name" ✓' });
  });
});

describe('formatErrorPage', () => {
  it.for<[string, string]>([
    ['application/json', '\\u0000\\n\\"<>&'],
    ['application/problem+json; charset=utf-8', '\\u0000\\n\\"<>&'],
    ['text/html;charset=utf-8', '\0\n"&lt;&gt;&amp;'],
    ['text/plain', '\0\n"&lt;&gt;&amp;'],
  ])('escapes for %s', ([contentType, escaped]) => {
    expect(formatErrorPage('%(message)s', contentType, 400, '\0\n"<>&', '').body).toBe(escaped);
  });
});
