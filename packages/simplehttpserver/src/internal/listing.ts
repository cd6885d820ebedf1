/** The directory listing: HTML5 page and JSON, a richer `list_directory` of Python's. */
import { trimOWS } from '@httpstack/basehttpserver';

import { encodeName, readableName } from './file-names.js';

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

/** A byte of a name that is not UTF-8: its Latin-1 character, marked and titled with its value. */
function rawByte(char: string, byte: number): string {
  return `<span class="raw" title="byte 0x${byte.toString(16).toUpperCase()}, not UTF-8">${escapeHtml(char)}</span>`;
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

/** `YYYY-MM-DD HH:MM` in the server's time zone, and that zone as `UTC+01:00` (or `UTC`). */
export function formatLocalDate(ms: number): { date: string; zone: string } {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const offset = -d.getTimezoneOffset();
  if (offset === 0) return { date, zone: 'UTC' };
  const abs = Math.abs(offset);
  return { date, zone: `UTC${offset > 0 ? '+' : '-'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}` };
}

/** How a listing is sorted: by a column, each way. */
export interface ListingSort {
  key: 'name' | 'size' | 'date';
  order: 'asc' | 'desc';
}

/** The sort a listing's query asks for (`?sort=size&order=desc`); by name, ascending, by default. */
export function parseSort(query: string): ListingSort {
  const params = new URLSearchParams(query.startsWith('?') ? query.slice(1) : query);
  const key = params.get('sort');
  return {
    key: key === 'size' || key === 'date' ? key : 'name',
    order: params.get('order') === 'desc' ? 'desc' : 'asc',
  };
}

/** `entries` (sorted by name as Python sorts them) in the order `sort` asks; directories first for size. */
export function applySort(entries: ListingEntry[], sort: ListingSort): ListingEntry[] {
  const sorted = [...entries];
  if (sort.key === 'size') sorted.sort((a, b) => Number(b.isDirectory) - Number(a.isDirectory) || a.size - b.size);
  if (sort.key === 'date') sorted.sort((a, b) => a.mtimeMs - b.mtimeMs);
  return sort.order === 'desc' ? sorted.reverse() : sorted;
}

/** Options of `renderListingHtml`. */
export interface ListingPageOptions {
  sort?: ListingSort;
  /** Trusted HTML placed after the table (an upload form, say); the caller escapes what it holds. */
  extraHtml?: string;
}

/**
 * Renders the HTML5 listing of `displayPath` (the decoded request path): a parent link,
 * column headers that sort by name, size or date through a query (no script), local dates
 * with their zone; light and dark (`prefers-color-scheme`), readable from 390 px wide.
 * Names and the title are HTML-escaped; hrefs are percent-encoded relative links, so no
 * name can inject markup or a scheme. Directories end with `/`, symbolic links are marked
 * `@` (as Python).
 */
export function renderListingHtml(
  displayPath: string,
  entries: ListingEntry[],
  options: ListingPageOptions = {},
): string {
  const sort = options.sort ?? { key: 'name', order: 'asc' };
  const title = `Directory listing for ${escapeHtml(readableName(displayPath))}`;
  const rows: string[] = [];
  if (displayPath !== '/') {
    rows.push(
      '<tr class="parent"><td class="name"><a href="../" title="Parent directory">../</a></td><td class="size"></td><td class="date"></td></tr>',
    );
  }
  for (const entry of applySort(entries, sort)) rows.push(entryRow(entry));
  return (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n<meta name="color-scheme" content="light dark">\n' +
    `<title>${title}</title>\n<style>${PAGE_STYLE}${LISTING_STYLE}</style>\n</head>\n<body>\n<main>\n<h1>${title}</h1>\n` +
    `<table>\n<thead><tr>${headerCell('name', 'Name', sort)}${headerCell('size', 'Size', sort)}${headerCell('date', 'Modified', sort)}</tr></thead>\n` +
    `<tbody>\n${rows.join('\n')}\n</tbody>\n</table>\n${options.extraHtml ?? ''}</main>\n</body>\n</html>\n`
  );
}

function entryRow(entry: ListingEntry): string {
  const slash = entry.isDirectory ? '/' : '';
  const href = encodeName(entry.name) + slash;
  const shown = readableName(entry.name, rawByte, escapeHtml) + slash + (entry.isSymbolicLink ? '@' : '');
  const size = entry.isDirectory ? '—' : formatSize(entry.size);
  const { date, zone } = formatLocalDate(entry.mtimeMs);
  return (
    `<tr><td class="name"><a href="${href}">${shown}</a></td><td class="size" title="${entry.size} bytes">${size}</td>` +
    `<td class="date"><time datetime="${new Date(entry.mtimeMs).toISOString()}">${date} <span class="zone">${zone}</span></time></td></tr>`
  );
}

/** A column header: a link that sorts by it, ascending first, the other way when it already does. */
function headerCell(key: ListingSort['key'], label: string, sort: ListingSort): string {
  const active = sort.key === key;
  const order = active && sort.order === 'asc' ? 'desc' : 'asc';
  const aria = active ? ` aria-sort="${sort.order === 'asc' ? 'ascending' : 'descending'}"` : '';
  const arrow = active ? (sort.order === 'asc' ? ' ↑' : ' ↓') : '';
  return `<th class="${key}"${aria}><a href="?sort=${key}&amp;order=${order}">${label}${arrow}</a></th>`;
}

/** The look shared by listings and error pages: system fonts, light and dark colours. */
export const PAGE_STYLE =
  ':root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--link:#0550ae;--hover:#f6f8fa}' +
  '@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--link:#4493f8;--hover:#151b23}}' +
  '*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif}' +
  'main{max-width:64rem;margin:0 auto;padding:1.5rem 1rem}h1{font-size:1.25rem;margin:0 0 1rem;overflow-wrap:anywhere}' +
  'a{color:var(--link);text-decoration:none}a:hover,a:focus{text-decoration:underline}';

const LISTING_STYLE =
  'table{width:100%;border-collapse:collapse}th,td{padding:.4rem .5rem;text-align:left;border-bottom:1px solid var(--line)}' +
  'th{font-size:.875rem;font-weight:600}th a{color:var(--muted)}td.name{overflow-wrap:anywhere}.size{text-align:right}' +
  'td.size,td.date{white-space:nowrap;color:var(--muted);font-variant-numeric:tabular-nums}.zone{font-size:.8em}' +
  'tbody tr:hover{background:var(--hover)}.raw{text-decoration:underline dotted}' +
  '@media (max-width:640px){table,thead,tbody{display:block}tr{display:grid;grid-template-columns:1fr auto;column-gap:1rem;' +
  'border-bottom:1px solid var(--line);padding:.35rem 0}th,td{border:0;padding:0 .25rem}td.name{grid-column:1/-1}' +
  'td.date{grid-row:2;grid-column:1;font-size:.875rem}td.size{grid-row:2;grid-column:2;font-size:.875rem}' +
  'thead tr{display:flex;gap:1.25rem}tr.parent td.size,tr.parent td.date{display:none}}';

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
