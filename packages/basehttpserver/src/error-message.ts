/** Python's `http.server.DEFAULT_ERROR_MESSAGE` and `DEFAULT_ERROR_CONTENT_TYPE`. */

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
