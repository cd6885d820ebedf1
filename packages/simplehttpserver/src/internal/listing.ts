/** The directory listing: HTML5 page and JSON, a richer `list_directory` of Python's. */
import { trimOWS } from '@httpstack/basehttpserver';

/** One entry of a listed directory. */
export interface ListingEntry {
  name: string;
  isDirectory: boolean;
  isSymbolicLink: boolean;
  size: number;
  mtimeMs: number;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** HTML-escapes text for element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}

/** Sorts entries as Python does: by lower-cased name, then by name. */
export function sortEntries(entries: ListingEntry[]): ListingEntry[] {
  return entries.sort((a, b) => {
    const x = a.name.toLowerCase();
    const y = b.name.toLowerCase();
    if (x !== y) return x < y ? -1 : 1;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
}

/** Human-readable size: `512 B`, `1.5 KiB`, `12 MiB`. */
export function formatSize(size: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = unit === 0 || value >= 10 ? Math.round(value).toString() : value.toFixed(1);
  return `${shown} ${units[unit]}`;
}

function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

const STYLE =
  'body{font-family:system-ui,sans-serif;margin:2em;color:#222}' +
  'table{border-collapse:collapse}th,td{padding:.2em 1em;text-align:left}' +
  'td.size{text-align:right}tr:nth-child(even){background:#f4f4f4}a{text-decoration:none}';

/**
 * Renders the HTML5 listing of `displayPath` (the decoded request path). Names and the
 * title are HTML-escaped; hrefs are percent-encoded relative links, so no name can inject
 * markup or a scheme. Directories end with `/`, symbolic links are marked `@` (as Python).
 */
export function renderListingHtml(displayPath: string, entries: ListingEntry[]): string {
  const title = `Directory listing for ${escapeHtml(displayPath)}`;
  const rows: string[] = [];
  if (displayPath !== '/') rows.push('<tr><td><a href="../">../</a></td><td class="size">-</td><td>-</td></tr>');
  for (const entry of entries) {
    const slash = entry.isDirectory ? '/' : '';
    const href = encodeURIComponent(entry.name) + slash;
    const shown = escapeHtml(entry.name) + slash + (entry.isSymbolicLink ? '@' : '');
    const size = entry.isDirectory ? '-' : formatSize(entry.size);
    rows.push(
      `<tr><td><a href="${href}">${shown}</a></td><td class="size" title="${entry.size}">${size}</td>` +
        `<td><time datetime="${new Date(entry.mtimeMs).toISOString()}">${formatDate(entry.mtimeMs)}</time></td></tr>`,
    );
  }
  return (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    `<title>${title}</title>\n<style>${STYLE}</style>\n</head>\n<body>\n<h1>${title}</h1>\n<hr>\n` +
    '<table>\n<thead><tr><th>Name</th><th>Size</th><th>Last modified (UTC)</th></tr></thead>\n<tbody>\n' +
    rows.join('\n') +
    '\n</tbody>\n</table>\n<hr>\n</body>\n</html>\n'
  );
}

/** Renders the JSON listing: `{ path, entries: [{ name, type, size, mtime }] }`. */
export function renderListingJson(displayPath: string, entries: ListingEntry[]): string {
  return JSON.stringify({
    path: displayPath,
    entries: entries.map((entry) => ({
      name: entry.name,
      type: entry.isDirectory ? 'directory' : 'file',
      size: entry.size,
      mtime: new Date(entry.mtimeMs).toISOString(),
    })),
  });
}

/**
 * Whether an `Accept` header prefers `application/json` to `text/html` (by q-value; a tie
 * goes to HTML, so browsers and `*\/*` get the page).
 */
export function prefersJson(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  const q = new Map<string, number>();
  for (const item of accept.split(',')) {
    const [type = '', ...params] = item.split(';');
    let quality = 1;
    for (const param of params) {
      const [key = '', value = ''] = param.split('=');
      if (trimOWS(key).toLowerCase() === 'q') quality = Number(trimOWS(value)) || 0;
    }
    q.set(trimOWS(type).toLowerCase(), quality);
  }
  const json = q.get('application/json') ?? q.get('application/*') ?? q.get('*/*') ?? 0;
  const html = q.get('text/html') ?? q.get('text/*') ?? q.get('*/*') ?? 0;
  return json > html;
}
