/** Python's `http.server.DEFAULT_ERROR_MESSAGE` and `DEFAULT_ERROR_CONTENT_TYPE`. */
import { formatNamed, htmlEscape } from './internal/text.js';

/** Python's `DEFAULT_ERROR_MESSAGE`: the page `sendError` writes. */
export const DEFAULT_ERROR_MESSAGE = `<!DOCTYPE HTML>
<html lang="en">
    <head>
        <meta charset="utf-8">
        <title>Error response</title>
    </head>
    <body>
        <h1>Error response</h1>
        <p>Error code: %(code)d</p>
        <p>Message: %(message)s.</p>
        <p>Error code explanation: %(code)s - %(explain)s.</p>
    </body>
</html>
`;

/** Python's `DEFAULT_ERROR_CONTENT_TYPE`. */
export const DEFAULT_ERROR_CONTENT_TYPE = 'text/html;charset=utf-8';

/** An error response's body and its `Content-Type`: what `errorPage()` returns. */
export interface ErrorPage {
  contentType: string;
  body: Buffer | string;
}

/**
 * The default `errorPage()`: `template` with `%(code)d`, `%(message)s` and `%(explain)s`
 * filled in, the texts escaped for `contentType` — JSON string escapes when it is a JSON
 * type (`application/json`, `application/problem+json`), HTML escapes otherwise.
 *
 * **Differs from Python:** Python always HTML-escapes, so a JSON template gets invalid JSON.
 */
export function formatErrorPage(
  template: string,
  contentType: string,
  code: number,
  message: string,
  explain: string,
): ErrorPage {
  const isJson = /^[^;]*[/+]json\s*(;|$)/i.test(contentType);
  const escapeText = isJson ? (text: string) => JSON.stringify(text).slice(1, -1) : htmlEscape;
  return {
    contentType,
    body: formatNamed(template, { code, message: escapeText(message), explain: escapeText(explain) }),
  };
}
