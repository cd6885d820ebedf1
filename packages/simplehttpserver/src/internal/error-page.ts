/** The error page of the static layer: Python's fields in the listing's look, with a link home. */
import { PAGE_STYLE } from './listing.js';

/**
 * `errorMessageFormat` of `SimpleHTTPRequestHandler`: the `%(code)d`, `%(message)s` and
 * `%(explain)s` of Python's page (escaped by `sendError`), styled as the listing (light and
 * dark) and linking to `/`.
 */
export const ERROR_PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>%(code)d %(message)s</title>
<style>${PAGE_STYLE}.code{color:var(--muted)}</style>
</head>
<body>
<main>
<h1><span class="code">%(code)d</span> %(message)s</h1>
<p>%(explain)s.</p>
<p><a href="/" class="home">← Back to the home folder</a></p>
</main>
</body>
</html>
`;
