/** Port of `http.server.SimpleHTTPRequestHandler`. */
import { join, sep } from 'node:path';
import { BaseHTTPRequestHandler, type HTTPServer } from '@httpstack/basehttpserver';
import { BrokenPipeError, type SocketWriter } from '@httpstack/socketserver';
import { answerOptions, implementedMethods } from './internal/cors.js';
import { cleanUrlLocation, findFallback } from './internal/fallbacks.js';
import { ERROR_PAGE } from './internal/error-page.js';
import { FileBody, READ_SIZE } from './file-body.js';
import type { FileCacheOptions } from './internal/file-cache.js';
import { listDirectory } from './internal/list-directory.js';
import { DEFAULT_EXTENSIONS_MAP, guessMimeType } from './internal/mime.js';
import { contained } from './internal/open-entry.js';
import { MAX_RANGES } from './internal/range.js';
import { sendFile, sharesStats, type ResponseBody } from './internal/serve-file.js';
import { translateTarget, type Translation } from './internal/translate.js';
import { statQuiet } from './stat-quiet.js';
import { receivePut } from './internal/upload.js';
import { receiveForm } from './internal/upload-form.js';

export type { ResponseBody } from './internal/serve-file.js';
export type { FileCacheOptions } from './internal/file-cache.js';

/** The fields `SimpleHTTPRequestHandler.configure()` sets. */
export type SimpleHTTPOptions = Partial<
  Pick<
    SimpleHTTPRequestHandler,
    | 'directory'
    | 'indexPages'
    | 'extensionsMap'
    | 'dotfiles'
    | 'followExternalSymlinks'
    | 'precompressed'
    | 'compress'
    | 'spa'
    | 'cleanUrls'
    | 'listDirectories'
    | 'cacheControl'
    | 'cors'
    | 'readSize'
    | 'maxRanges'
    | 'fileCache'
    | 'protocolVersion'
    | 'serverVersion'
    | 'upload'
    | 'uploadOverwrite'
    | 'maxUploadSize'
    | 'authRealm'
    | 'credentials'
  >
>;

/**
 * Python's class attributes of `SimpleHTTPRequestHandler`, declared here and given their
 * defaults on the prototype (see the end of this file): a subclass field, an assignment on
 * the instance (also per request, in a hook) or a getter in a subclass each take effect on
 * the next response.
 */
export interface SimpleHTTPRequestHandler<S extends HTTPServer = HTTPServer> extends BaseHTTPRequestHandler<S> {
  /** The directory served (default: the working directory, read when the handler first uses it). May be overridden. */
  directory: string;
  /** Files that stand for their directory, tried in order. May be overridden. */
  indexPages: readonly string[];
  /**
   * Extension → content type, consulted before the MIME database. The default object is
   * shared by every handler, as Python's class attribute: assign a new object rather than
   * changing it in place. May be overridden.
   */
  extensionsMap: Readonly<Record<string, string>>;
  /** Serve and list names starting with `.` (default false: 404, except `.well-known`). May be overridden. */
  dotfiles: boolean;
  /** Serve symlinks whose real path leaves `directory` (default false: 404). May be overridden. */
  followExternalSymlinks: boolean;
  /** Serve `file.br` / `file.gz` for `file` when `Accept-Encoding` allows (default true). May be overridden. */
  precompressed: boolean;
  /**
   * Compress compressible types (mime-db's `compressible` flag: text, JSON, JS, CSS, SVG,
   * WASM…) of 1 KiB and more on the fly with `br`, `gzip` (and `zstd` where Node has it) by
   * `Accept-Encoding` (default true). A precompressed sibling is still preferred. May be overridden.
   */
  compress: boolean;
  /**
   * Single-page app: a GET or HEAD of a missing path without an extension that accepts HTML
   * gets the root's index page with 200 (assets still 404). Default false. May be overridden.
   */
  spa: boolean;
  /**
   * Clean URLs: `/about` serves `about.html` when there is no `about`, and `/about.html`
   * redirects (301) to `/about`. Default false. May be overridden.
   */
  cleanUrls: boolean;
  /** List directories without an index page (default true, as Python; false: 404). May be overridden. */
  listDirectories: boolean;
  /** `Cache-Control` of file and listing answers (`null`: none). Default `'no-cache'`. May be overridden. */
  cacheControl: string | null;
  /**
   * `Access-Control-Allow-Origin` value (`null`, the default: no CORS header). When set,
   * answers also expose `ETag`, `Content-Range`… and `OPTIONS` preflights get 204. May be overridden.
   */
  cors: string | null;
  /**
   * Accept uploads: `PUT` of a file, `multipart/form-data` `POST` to a directory, and an
   * upload form on listings (default false: both methods answer 501, as Python). May be overridden.
   */
  upload: boolean;
  /** Let an upload replace an existing file (default false: 409). May be overridden. */
  uploadOverwrite: boolean;
  /** Largest upload body in bytes (default 1 GiB; 413 beyond, nothing written). May be overridden. */
  maxUploadSize: number;
  /** Bytes per read when streaming a large file (default 1 MiB). May be overridden. */
  readSize: number;
  /** Most ranges honoured in one request; more make a plain 200 (default 16). May be overridden. */
  maxRanges: number;
  /**
   * Limits of the file cache, or `false` for none. Handlers with the same options object
   * (and `directory`, `followExternalSymlinks`) share one cache. May be overridden.
   */
  fileCache: FileCacheOptions | false;
}

/**
 * SimpleHTTPRequestHandler serves the files under `directory` for GET and HEAD: index
 * pages, directory listings, `Last-Modified` / `If-Modified-Since` as in Python, plus
 * `ETag` and the other conditional headers, `Range` (206, 416, `multipart/byteranges`),
 * precompressed `.br` / `.gz` siblings by `Accept-Encoding`, and MIME types from `mime-db`.
 *
 * Methods for the caller: `do_GET()`, `do_HEAD()`, `do_PUT()`, `do_POST()`,
 * `SimpleHTTPRequestHandler.configure()`.
 * Methods that may be overridden: `sendHead()`, `listDirectory()`, `translatePath()`,
 * `copyfile()`, `guessType()`, `isUploadAllowed()`, `allowedMethods()`. Fields that may be overridden:
 * `directory`, `indexPages`, `extensionsMap`, `dotfiles`, `followExternalSymlinks`,
 * `precompressed`, `compress`, `spa`, `cleanUrls`, `listDirectories`, `cacheControl`, `cors`, `readSize`, `maxRanges`,
 * `fileCache`, `upload`, `uploadOverwrite`, `maxUploadSize`.
 *
 * Beyond Python, off by default: uploads (`upload`) by `PUT` and by a `multipart/form-data`
 * form the listing then shows, streamed to a temporary file and moved into place only when
 * complete (see `do_PUT()`).
 *
 * Small files (up to `fileCache.maxFileSize`, 256 KiB) are kept in memory (their bytes,
 * version and ETag; every header is made per response from the fields and hooks); every answer is checked against a `stat(2)` of the file (one per
 * file per event-loop turn, see `fileCache.shareStats`), so an edited, replaced or deleted
 * file is not served stale. Large files are streamed in `readSize` reads with
 * backpressure, never read whole.
 *
 * **Security:** no request reads outside `directory`: `..`, encoded dots and slashes,
 * backslashes, NUL, malformed or overlong UTF-8 and drive letters answer 404 or 400;
 * symlinks whose real path leaves `directory` answer 404 (unless `followExternalSymlinks`);
 * dotfiles answer 404 and are not listed (unless `dotfiles`); the `dir` → `dir/` redirect
 * is built from the checked path, so `//host/..` and `/\host/..` never redirect off-site
 * (CVE-2021-28861); FIFOs and devices are never opened; listings are HTML-escaped.
 *
 * **Differs from Python:** `..` segments are refused (404) instead of silently dropped;
 * dotfiles are hidden; `Cache-Control: no-cache` is sent by default; the listing is a
 * table with sizes and dates (JSON when `Accept` prefers `application/json`);
 * `sendHead()` resolves to a `Buffer` or `FileBody` instead of a file object.
 */
export class SimpleHTTPRequestHandler<S extends HTTPServer = HTTPServer> extends BaseHTTPRequestHandler<S> {
  #refusal: 400 | 404 = 404;

  /**
   * Returns a subclass with `options` set as fields (Python's `functools.partial(Handler,
   * directory=...)`): `new HTTPServer(addr, SimpleHTTPRequestHandler.configure({ directory }))`.
   * Called on a subclass, it also takes that subclass's own fields
   * (`CGIHTTPRequestHandler.configure({ cgiDirectories })`).
   */
  static configure<T extends new (...args: any[]) => SimpleHTTPRequestHandler<any>>(
    this: T,
    options: SimpleHTTPOptions & Partial<Omit<InstanceType<T>, keyof SimpleHTTPRequestHandler>>,
  ): T {
    return class extends this {
      constructor(...args: any[]) {
        super(...args);
        Object.assign(this, options);
      }
    };
  }

  /** Serves a GET request: the head, then the body through `copyfile()`. */
  async do_GET(): Promise<void> {
    const body = await this.sendHead();
    if (body === undefined) return;
    try {
      await this.copyfile(body, this.wfile);
    } catch (error) {
      this.closeConnection = true; // the promised length cannot be kept
      if (!(error instanceof BrokenPipeError)) this.logError('%s', String(error));
      this.wfile.end();
    } finally {
      if (body instanceof FileBody) await body.close();
    }
  }

  /**
   * Serves an OPTIONS request when `cors` is set: 204 with `Allow`, and for a CORS
   * preflight the `Access-Control-Allow-Methods` / `-Headers` / `-Max-Age` a browser asks
   * for. Without `cors`, 501 as Python (which has no `do_OPTIONS`).
   */
  do_OPTIONS(): void {
    if (this.cors === null) return this.sendError(501, "Unsupported method ('OPTIONS')");
    answerOptions(this, this.allowedMethods());
  }

  /**
   * The methods `OPTIONS` reports for this path: every `do_<METHOD>` the handler has, less
   * `PUT` and `POST` while `upload` is off (they answer 501 then). May be overridden.
   */
  allowedMethods(): string[] {
    const methods = implementedMethods(this);
    return this.upload ? methods : methods.filter((method) => method !== 'PUT' && method !== 'POST');
  }

  /** Serves a HEAD request: the head GET would send, no body. */
  async do_HEAD(): Promise<void> {
    const body = await this.sendHead();
    if (body instanceof FileBody) await body.close();
  }

  /**
   * Stores the body as the file the path names when `upload` is on (see `docs/guide/static-files.md`);
   * 501 otherwise. **Security:** the path passes the checks of GET, its directory must lie
   * inside `directory` once symlinks are resolved, and `isUploadAllowed()` must agree; the
   * file appears only once complete (a temporary file is renamed); 409 for an existing name
   * unless `uploadOverwrite`; 413 beyond `maxUploadSize`.
   */
  async do_PUT(): Promise<void> {
    if (this.upload) await receivePut(this);
    else this.sendError(501, `Unsupported method ('${this.command}')`);
  }

  /** Stores the files of a `multipart/form-data` form posted to a directory when `upload` is on; 501 otherwise. */
  async do_POST(): Promise<void> {
    if (this.upload) await receiveForm(this);
    else this.sendError(501, `Unsupported method ('${this.command}')`);
  }

  /** `maxUploadSize` for an upload (`PUT` or `POST` with `upload` on), else `maxBodySize`. May be overridden. */
  override bodyLimit(): number {
    return this.upload && (this.command === 'PUT' || this.command === 'POST') ? this.maxUploadSize : super.bodyLimit();
  }

  /**
   * Whether an upload may write the file `path` (real, checked to lie inside `directory`).
   * The default allows every path; `CGIHTTPRequestHandler` refuses its script directories.
   * May be overridden.
   */
  isUploadAllowed(_path: string): boolean | Promise<boolean> {
    return true;
  }

  /**
   * Sends the response head for the request and resolves to the body still to send, or
   * `undefined` when the response is complete (errors, redirects, 304, 412, 416). The
   * caller closes a returned `FileBody`. May be overridden.
   */
  async sendHead(): Promise<ResponseBody | undefined> {
    const path = this.translatePath(this.path);
    if (path === undefined) {
      this.sendError(this.#refusal, this.#refusal === 400 ? 'Bad request path' : 'File not found');
      return undefined;
    }
    const stat = statQuiet(path, sharesStats(this));
    if (stat?.isDirectory()) return this.#sendDirectory(path);
    if (stat?.isFile() && !path.endsWith(sep)) {
      const location = cleanUrlLocation(this);
      if (location !== undefined) return this.#redirect(location);
    }
    if (stat === undefined) {
      const fallback = findFallback(this, path, sharesStats(this));
      if (fallback !== undefined) return sendFile(this, fallback.path, fallback.stat);
    }
    if (stat === undefined || !stat.isFile() || path.endsWith(sep)) {
      this.sendError(404, 'File not found');
      return undefined;
    }
    return sendFile(this, path, stat);
  }

  async #sendDirectory(path: string): Promise<ResponseBody | undefined> {
    if ((await contained(this, path)) === undefined) {
      this.sendError(404, 'File not found');
      return undefined;
    }
    const target = translateTarget(this.path, { dotfiles: true });
    if (!target.ok) {
      this.sendError(404, 'File not found');
      return undefined;
    }
    if (!target.trailingSlash) return this.#redirectToDirectory(target);
    for (const name of this.indexPages) {
      const index = join(path, name);
      const stat = statQuiet(index, sharesStats(this));
      if (stat?.isFile()) return sendFile(this, index, stat);
    }
    if (!this.listDirectories) {
      this.sendError(404, 'File not found');
      return undefined;
    }
    return this.listDirectory(path);
  }

  /**
   * 301 to the directory with a trailing slash, query kept (as Python, decided on the URL
   * path, not the file path). **Security:** the `Location` is rebuilt from the checked
   * segments, so it always starts with exactly one `/` followed by a local path.
   */
  #redirectToDirectory(target: Extract<Translation, { ok: true }>): undefined {
    // a `\` kept raw could make `/\host/` a scheme-relative URL to a browser
    const path = target.rawSegments.map((s) => `${s.replaceAll('\\', '%5C')}/`).join('');
    return this.#redirect(`/${path}${target.query}`);
  }

  #redirect(location: string): undefined {
    this.sendResponse(301);
    this.sendHeader('Location', location);
    this.sendHeader('Content-Length', '0');
    this.endHeaders();
    return undefined;
  }

  /**
   * Sends the head of the listing of the directory `path` and resolves to its body: an
   * HTML5 page, or JSON when `Accept` prefers `application/json`. Entries are sorted as
   * Python sorts them; dotfiles and symlinks leading outside the root are left out; names
   * are HTML-escaped and links percent-encoded. May be overridden.
   */
  async listDirectory(path: string): Promise<ResponseBody | undefined> {
    return listDirectory(this, path);
  }

  /**
   * Maps a request path onto the file system under `directory`, or `undefined` when the
   * path is refused (see the class's **Security** note). A trailing `/` is kept, as in
   * Python. May be overridden.
   */
  translatePath(path: string): string | undefined {
    const target = translateTarget(path, { dotfiles: this.dotfiles });
    if (!target.ok) {
      this.#refusal = target.status;
      return undefined;
    }
    let result = this.directory;
    for (const segment of target.segments) result += sep + segment;
    return target.trailingSlash ? result + sep : result;
  }

  /**
   * Copies `source` (the body from `sendHead()`) to `outputfile`, waiting on backpressure.
   * Throws if the file shrinks while it is sent. May be overridden.
   */
  async copyfile(source: ResponseBody, outputfile: SocketWriter): Promise<void> {
    if (Buffer.isBuffer(source)) {
      await outputfile.write(source); // with the head the writer still gathers, in one write
      return;
    }
    await source.copyTo(outputfile);
  }

  /**
   * The content type of the file at `path`: `extensionsMap` first, then the `mime-db`
   * database (`; charset=utf-8` for text), else `application/octet-stream`. May be overridden.
   */
  guessType(path: string): string {
    return guessMimeType(path, this.extensionsMap);
  }
}

// Python's class attributes: defaults on the prototype (no memory per connection).
Object.assign(SimpleHTTPRequestHandler.prototype, {
  serverVersion: 'SimpleHTTP/0.6',
  // The error page: Python's fields in the listing's look, linking home.
  errorMessageFormat: ERROR_PAGE,
  indexPages: Object.freeze(['index.html', 'index.htm']),
  extensionsMap: DEFAULT_EXTENSIONS_MAP,
  dotfiles: false,
  followExternalSymlinks: false,
  precompressed: true,
  compress: true,
  spa: false,
  cleanUrls: false,
  listDirectories: true,
  cacheControl: 'no-cache',
  cors: null,
  upload: false,
  uploadOverwrite: false,
  maxUploadSize: 1024 * 1024 * 1024,
  readSize: READ_SIZE,
  maxRanges: MAX_RANGES,
  fileCache: Object.freeze({}),
});

// `directory` defaults to the working directory as it is when first read; an assignment
// (a subclass field, `configure()`, a hook) makes it the instance's own value.
Object.defineProperty(SimpleHTTPRequestHandler.prototype, 'directory', {
  configurable: true,
  get(): string {
    return process.cwd();
  },
  set(this: SimpleHTTPRequestHandler, value: string) {
    Object.defineProperty(this, 'directory', { value, writable: true, enumerable: true, configurable: true });
  },
});
