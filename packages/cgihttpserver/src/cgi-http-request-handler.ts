/** Port of `http.server.CGIHTTPRequestHandler`. */
import { accessSync, constants } from 'node:fs';
import { realpath } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { dirname, extname, join, resolve, sep } from 'node:path';
import type { HTTPServer } from '@httpstack/basehttpserver';
import { SimpleHTTPRequestHandler, type ResponseBody } from '@httpstack/simplehttpserver';
import { checkScript, locateScript, splitCGIPath, type CGIInfo, type ResolvedScript } from './internal/cgi-path.js';
import { buildEnvironment, serverNameOf } from './internal/meta-variables.js';
import { bufferedBody, NO_BODY, streamedBody, type ScriptBody } from './internal/request-body.js';
import { acquireSlot, lookUpUser, releaseSlot, sharedSpawner, type SpawnMode } from './internal/script-limits.js';
import { reportRun } from './internal/run-report.js';
import { superviseScript } from './internal/script-run.js';
import type { ScriptProcess } from './internal/spawner.js';

export type { CGIInfo, ResolvedScript } from './internal/cgi-path.js';
export type { SpawnMode } from './internal/script-limits.js';

/** Local redirects followed for one request before answering 500 (a script redirecting to itself). */
const MAX_LOCAL_REDIRECTS = 10;

/**
 * Python's class attributes of `CGIHTTPRequestHandler`, declared here and given their
 * defaults on the prototype (see the end of this file): a subclass field, an assignment on
 * the instance (also per request, in a hook) or a getter in a subclass each take effect on
 * the next request.
 */
export interface CGIHTTPRequestHandler<S extends HTTPServer = HTTPServer> extends SimpleHTTPRequestHandler<S> {
  /** URL directories whose files are scripts. May be overridden. */
  cgiDirectories: readonly string[];
  /**
   * A script is stopped (SIGTERM to its process group) after this many ms with no progress:
   * no output read from it and no request body written to it. A script that keeps
   * streaming (a large `git clone`) never reaches it. May be overridden.
   */
  cgiIdleTimeout: number;
  /** A script is stopped after this many ms in all, progress or not (default `Infinity`: no total limit). May be overridden. */
  cgiTimeout: number;
  /** ms between SIGTERM and SIGKILL when a script is stopped. May be overridden. */
  cgiKillDelay: number;
  /**
   * ms a script may go on after the client half-closes (sends FIN) before the client is
   * taken as gone and the script stopped. By default (`Infinity`) a half-closed client
   * still gets its answer: the script is stopped only when the connection closes or fails,
   * or a write to it fails (a client that has left answers the first write with a reset).
   * A reset stops the script at once. May be overridden.
   */
  cgiHalfCloseGrace: number;
  /** Scripts running at once per server; beyond, 503 with `Retry-After`. May be overridden. */
  maxScripts: number;
  /** How long a request waits for a free script slot before its 503, in ms. May be overridden. */
  scriptQueueTimeout: number;
  /** Seconds sent in `Retry-After` with a 503. May be overridden. */
  retryAfter: number;
  /** Names of variables of the server's environment to pass on beyond the allow-list. May be overridden. */
  inheritEnv: readonly string[];
  /** Variables set for every script (meta-variables still win). May be overridden. */
  cgiEnv: Readonly<Record<string, string>>;
  /** User (name or uid) scripts run as when the server runs as root; `null`: as root. May be overridden. */
  cgiUser: string | number | null;
  /**
   * How scripts are started. `'helper'`: through a small helper process — the native one
   * (built from C when the package is installed or by `pnpm build`, where a C compiler is there; `vfork` + `execve`), else the
   * Node one; `'node-helper'`: always the Node helper; `'direct'`: from this process, which
   * slows down as its heap grows. May be overridden.
   */
  spawnMode: SpawnMode;
  /** Longest header block a script may write, in bytes (500 beyond). May be overridden. */
  maxScriptHeaderSize: number;
  /** A chunked body larger than this goes to a temporary file. May be overridden. */
  bodyMemoryLimit: number;
  /** Interpreter of scripts for which `isPython()` is true (run with `PYTHONUNBUFFERED=1`). May be overridden. */
  pythonInterpreter: string;
  /**
   * Interpreters by file extension, as lighttpd's `cgi.assign` and Apache's `Action`:
   * `{ '.php': '/usr/bin/php-cgi', '.pl': '/usr/bin/perl' }`. A mapped script in a CGI
   * directory runs as `interpreter script` and need not be executable.
   * **Security:** a file with a mapped extension outside the CGI directories is refused
   * (403), neither run nor served: its source may hold secrets. May be overridden.
   */
  cgiInterpreters: Readonly<Record<string, string>>;
}

/**
 * CGIHTTPRequestHandler runs CGI scripts (RFC 3875) found in `cgiDirectories` for GET,
 * HEAD and POST, and serves every other path as `SimpleHTTPRequestHandler` does.
 *
 * Methods for the caller: `do_GET()`, `do_HEAD()`, `do_POST()`.
 * Methods that may be overridden: `isCGI()`, `isExecutable()`, `isPython()`,
 * `interpreterFor()`, `runCGI()` and its parts `resolveScript()`, `buildEnv()`,
 * `spawnScript()`, `relayOutput()`, and `remoteUser()`, `isUploadAllowed()`,
 * `allowedMethods()`, `bodyLimit()`. Fields that may be overridden: `cgiDirectories`, `cgiIdleTimeout`, `cgiTimeout`, `cgiKillDelay`,
 * `cgiHalfCloseGrace`, `maxScripts`, `scriptQueueTimeout`, `retryAfter`, `inheritEnv`,
 * `cgiEnv`, `cgiUser`, `spawnMode`, `maxScriptHeaderSize`, `bodyMemoryLimit`,
 * `pythonInterpreter`, `cgiInterpreters`, `maxBodySize`.
 *
 * A script's environment holds every RFC 3875 meta-variable; its header block is parsed
 * (`Status:`, `Location:` local and client redirects, `Content-Type`) and checked; `nph-`
 * scripts write the whole response themselves. The request body streams to the script's
 * stdin (a chunked body is read first, to a temporary file when large, so the script gets
 * `CONTENT_LENGTH`); the output streams to the client with backpressure, chunked under
 * HTTP/1.1 keep-alive when the script gives no length. Scripts are started by a small
 * helper process (native when built), so spawning stays fast however large this
 * process's heap grows.
 *
 * **Security:** only regular, executable (or `cgiInterpreters`-mapped), non-dot files
 * inside a CGI directory of the normalised path ever run, and a mapped file outside them
 * is refused (403), not served; the query string is never made into arguments; the server's
 * environment is not passed on (an allow-list: `PATH`, locale, `TZ`; more with
 * `inheritEnv` / `cgiEnv`); a `Proxy` header never becomes `HTTP_PROXY` (httpoxy);
 * `Authorization` is not passed and `REMOTE_USER` comes only from `remoteUser()`; a script
 * is stopped after `cgiIdleTimeout` ms without progress (and after `cgiTimeout` ms in all,
 * when set), and when the client goes away; a response cut short is never framed as
 * complete (no last chunk, the connection closed); at most
 * `maxScripts` run at once (a request waits up to `scriptQueueTimeout` for a slot, then
 * 503); as root, scripts run as `cgiUser` (`nobody`).
 *
 * **Differs from Python:** Python sends `200 Script output follows` and passes the output
 * through unparsed; here the script's headers decide the status, and a malformed block is
 * a 500. Scripts run in their own directory (Python: the server's), until 60 s pass with
 * no output and no input (Python: no limit), with no arguments (Python: the query when
 * it has no `=`), and with an environment built from scratch (Python: a copy of the
 * server's); Python scripts get `PYTHONUNBUFFERED=1` (Python: `-u`). See
 * `docs/python-mapping.md`.
 */
export class CGIHTTPRequestHandler<S extends HTTPServer = HTTPServer> extends SimpleHTTPRequestHandler<S> {
  /** Python's `cgi_info`: the CGI directory and the rest of the path, set by `isCGI()`. */
  cgiInfo: CGIInfo | undefined;

  #redirects = 0;

  /** Serves a POST: runs the script, or answers 501 when the path is not one. */
  override async do_POST(): Promise<void> {
    if (this.isCGI()) await this.runCGI();
    else if (this.upload) await super.do_POST();
    else this.sendError(501, 'Can only POST to CGI scripts');
  }

  /** As `SimpleHTTPRequestHandler`, plus `POST` for a CGI path. May be overridden. */
  override allowedMethods(): string[] {
    const methods = super.allowedMethods();
    return this.isCGI() && !methods.includes('POST') ? [...methods, 'POST'].sort() : methods;
  }

  /** A script's body is bounded by `maxBodySize`; an upload elsewhere as `SimpleHTTPRequestHandler`. May be overridden. */
  override bodyLimit(): number {
    return this.isCGI() ? this.maxBodySize : super.bodyLimit();
  }

  /**
   * Refuses uploads into a CGI directory, by URL and by real path (a symlinked folder
   * leading into one is refused too); otherwise as `SimpleHTTPRequestHandler`. May be overridden.
   */
  override async isUploadAllowed(path: string): Promise<boolean> {
    if (this.isCGI()) return false;
    for (const directory of this.cgiDirectories) {
      const real = await realpath(join(this.directory, directory)).catch(() => undefined);
      if (real !== undefined && (path === real || path.startsWith(real + sep))) return false;
    }
    return super.isUploadAllowed(path);
  }

  /**
   * Runs the script for a CGI path; otherwise the static head of `SimpleHTTPRequestHandler`,
   * except for a file with a `cgiInterpreters` extension (403).
   */
  override async sendHead(): Promise<ResponseBody | undefined> {
    if (!this.isCGI())
      return this.#isStrayScript()
        ? void this.sendError(403, 'Scripts run only from the CGI directories')
        : super.sendHead();
    await this.runCGI();
    return undefined;
  }

  /**
   * True when `path`, once decoded and normalised, lies inside one of `cgiDirectories`;
   * sets `cgiInfo`. May be overridden.
   */
  isCGI(): boolean {
    this.cgiInfo = splitCGIPath(this.path, this.cgiDirectories) ?? undefined;
    return this.cgiInfo !== undefined;
  }

  /**
   * True when `access(2)` says this process may execute the file at `path` (for root: an
   * execute bit is set), as Python's `os.access(path, os.X_OK)`. May be overridden.
   * **Differs from Python:** async.
   */
  async isExecutable(path: string): Promise<boolean> {
    try {
      accessSync(path, constants.X_OK); // sync: microseconds, less than a thread-pool round trip
      return true;
    } catch {
      return false;
    }
  }

  /** True when `path` is a Python script, run by `pythonInterpreter`. May be overridden. */
  isPython(path: string): boolean {
    return path.endsWith('.py') || path.endsWith('.pyw');
  }

  /**
   * The program that runs the script at `path`: the `cgiInterpreters` entry for its
   * extension, else `pythonInterpreter` when `isPython()`, else `undefined` (the script runs
   * itself). With `mappedOnly`, `cgiInterpreters` alone is asked. May be overridden.
   */
  interpreterFor(path: string, mappedOnly = false): string | undefined {
    const extension = extname(path);
    if (extension !== '' && Object.hasOwn(this.cgiInterpreters, extension)) return this.cgiInterpreters[extension];
    return !mappedOnly && this.isPython(path) ? this.pythonInterpreter : undefined;
  }

  /**
   * Runs the script `cgiInfo` names and answers with its output: resolves the script,
   * takes a slot, reads the body as needed, builds the environment, spawns, relays.
   * May be overridden.
   */
  async runCGI(): Promise<void> {
    const script = await this.resolveScript();
    if (script === undefined) return;
    const server = this.server;
    if (!(await acquireSlot(server, this.maxScripts, this.scriptQueueTimeout))) return this.#busy();
    // The slot is held exactly while the script runs: given back when it exits (which may
    // be after its output ended), not when the request is done (its body may still come).
    let held = true;
    const release = () => void (held && !(held = false) && releaseSlot(server));
    let exited: Promise<unknown> | undefined;
    let location: string | undefined;
    try {
      location = await this.#runScript(script, (exit) => void (exited = exit.finally(release)));
    } finally {
      if (exited === undefined) release();
    }
    if (location !== undefined) await this.#localRedirect(location);
  }

  /**
   * Finds the script file and `PATH_INFO` for `cgiInfo`, or answers 404/403 and resolves
   * to `undefined`. May be overridden.
   */
  protected async resolveScript(): Promise<ResolvedScript | undefined> {
    const script = await locateScript(this.cgiInfo!, this.documentRoot());
    // A script with a mapped interpreter is read by it, not executed: it need not be executable.
    const runnable = (file: string) =>
      this.interpreterFor(file, true) !== undefined ? Promise.resolve(true) : this.isExecutable(file);
    const problem = await checkScript(script, runnable);
    if (problem === null) return script;
    this.sendError(problem.status, problem.message);
    return undefined;
  }

  /**
   * `directory` as an absolute path: scripts run in their own directory, so a relative
   * `directory` (`configure({ directory: 'public' })`) is taken from the working directory
   * of the server, here, before any script starts.
   */
  protected documentRoot(): string {
    return resolve(this.directory);
  }

  /** The environment of `script` for this request (RFC 3875 §4.1). May be overridden. */
  protected buildEnv(script: ResolvedScript, contentLength: number | undefined): Record<string, string> {
    const [remoteAddr, remotePort] =
      typeof this.clientAddress === 'string' ? [this.clientAddress, 0] : this.clientAddress;
    const socket = this.request as Socket;
    return buildEnvironment(
      {
        serverSoftware: this.versionString(),
        serverName: serverNameOf(this.headers.get('host'), this.server.serverName),
        serverPort: this.server.serverPort,
        serverAddr: socket.localAddress?.replace(/^::ffff:(?=\d+\.)/, ''),
        scheme: this.forwardedProto ?? ('encrypted' in socket ? 'https' : 'http'),
        documentRoot: this.documentRoot(),
        protocol: this.requestVersion,
        method: this.command,
        requestUri: this.path,
        scriptName: script.scriptName,
        scriptFilename: script.scriptFile,
        pathInfo: script.pathInfo,
        pathTranslated: script.pathInfo === '' ? undefined : join(this.documentRoot(), script.pathInfo),
        queryString: this.cgiInfo?.query ?? '',
        remoteAddr,
        remotePort,
        headers: this.headers,
        contentLength,
        remoteUser: this.remoteUser(),
      },
      { source: process.env, inheritEnv: this.inheritEnv, env: this.cgiEnv },
    );
  }

  /**
   * The user name the server itself has verified for this request (`REMOTE_USER`): by
   * default `authenticatedUser`, set when Basic authentication (`authRealm`) passed.
   * **Security:** never return what a header merely claims. May be overridden.
   */
  protected remoteUser(): string | undefined {
    return this.authenticatedUser;
  }

  /** Starts `script` with `env`; its stderr goes to `logError`. May be overridden. */
  protected async spawnScript(
    script: ResolvedScript,
    env: Record<string, string>,
    stdin: boolean,
  ): Promise<ScriptProcess> {
    const interpreter = this.interpreterFor(script.scriptFile);
    const user = process.getuid?.() === 0 && this.cgiUser !== null ? lookUpUser(this.cgiUser) : undefined;
    if (user === null) throw new Error(`CGI user ${String(this.cgiUser)} not found: refusing to run scripts as root`);
    return sharedSpawner(this.spawnMode).spawn(
      {
        file: interpreter ?? script.scriptFile,
        args: interpreter === undefined ? [] : [script.scriptFile],
        env: this.isPython(script.scriptFile) ? { PYTHONUNBUFFERED: '1', ...env } : env,
        cwd: dirname(script.scriptFile),
        stdin,
        ...(user === undefined ? {} : { uid: user.uid, gid: user.gid }),
      },
      (text) => this.#logStderr(script, text),
    );
  }

  /** Answers from the running script's output (see the class notes). May be overridden. */
  protected async relayOutput(
    proc: ScriptProcess,
    body: ScriptBody,
    script: ResolvedScript,
  ): Promise<string | undefined> {
    const limits = {
      timeout: this.cgiTimeout,
      idleTimeout: this.cgiIdleTimeout,
      killDelay: this.cgiKillDelay,
      headerLimit: this.maxScriptHeaderSize,
      halfCloseGrace: this.cgiHalfCloseGrace,
    };
    const nph = script.scriptName.slice(script.scriptName.lastIndexOf('/') + 1).startsWith('nph-');
    const result = await superviseScript(proc, body, this, this.request, limits, nph);
    return reportRun(this, script, result, { idle: this.cgiIdleTimeout, total: this.cgiTimeout });
  }

  /**
   * Reads the body as the script needs it, spawns (telling `started` when the script will
   * have exited), relays; resolves to a local redirect, if any.
   */
  async #runScript(script: ResolvedScript, started: (exited: Promise<unknown>) => void): Promise<string | undefined> {
    const body = await this.#prepareBody();
    if (body === null) return undefined;
    try {
      const env = this.buildEnv(script, body.length);
      let proc: ScriptProcess;
      try {
        proc = await this.spawnScript(script, env, body.length !== undefined && body.length > 0);
      } catch (error) {
        this.logError('CGI script %s could not start: %s', script.scriptName, String(error));
        this.sendError(500, 'CGI script could not start');
        return undefined;
      }
      started(proc.exited);
      return await this.relayOutput(proc, body, script);
    } finally {
      await body.dispose();
    }
  }

  /** The body for the script; `null` after answering a refused one (413, 400). */
  async #prepareBody(): Promise<ScriptBody | null> {
    if (this.#redirects > 0) return NO_BODY; // the original request's body went to the first script
    const declared = this.headers.get('content-length');
    const chunked = this.headers.has('transfer-encoding');
    if (declared === undefined && !chunked) return NO_BODY;
    if (!chunked) {
      const length = Number(declared);
      if (length > this.maxBodySize) {
        this.sendError(413, `Request body larger than ${this.maxBodySize} bytes`);
        return null;
      }
      return streamedBody(length, () => this.body());
    }
    try {
      return await bufferedBody(this.body(), this.bodyMemoryLimit);
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      if (typeof status !== 'number') throw error;
      this.sendError(status, (error as Error).message);
      return null;
    }
  }

  /** Serves `location` as if it had been requested (RFC 3875 §6.2.2), with GET (or HEAD). */
  async #localRedirect(location: string): Promise<void> {
    if (++this.#redirects > MAX_LOCAL_REDIRECTS) {
      this.logError('CGI local redirects loop at %s', location);
      return this.sendError(500, 'Too many local redirects');
    }
    this.path = location;
    if (this.command !== 'HEAD') this.command = 'GET';
    if (this.command === 'HEAD') await this.do_HEAD();
    else await this.do_GET();
  }

  /**
   * True when the (non-CGI) path names a file with a `cgiInterpreters` extension, in any
   * letter case (a case-insensitive file system would serve `x.PHP` from `x.php`).
   */
  #isStrayScript(): boolean {
    const mapped = Object.keys(this.cgiInterpreters);
    if (mapped.length === 0) return false;
    const file = this.translatePath(this.path);
    const extension = file === undefined ? '' : extname(file).toLowerCase();
    return extension !== '' && mapped.some((key) => key.toLowerCase() === extension);
  }

  #busy(): void {
    this.logError('CGI: %d scripts running, refusing %s', this.maxScripts, this.path);
    this.sendResponse(503, 'Too many CGI scripts running');
    this.sendHeader('Retry-After', this.retryAfter);
    this.sendHeader('Content-Length', 0);
    this.endHeaders();
  }

  #logStderr(script: ResolvedScript, text: string): void {
    for (const line of text.split('\n')) if (line !== '') this.logError('CGI script %s: %s', script.scriptName, line);
  }
}

// Python's class attributes: defaults on the prototype (no memory per connection). The
// largest request body passed to a script is 128 MiB (413 beyond).
Object.assign(CGIHTTPRequestHandler.prototype, {
  cgiDirectories: Object.freeze(['/cgi-bin', '/htbin']),
  cgiIdleTimeout: 60_000,
  cgiTimeout: Infinity,
  cgiKillDelay: 2_000,
  cgiHalfCloseGrace: Infinity,
  maxScripts: 32,
  scriptQueueTimeout: 1000,
  retryAfter: 1,
  inheritEnv: Object.freeze([]),
  cgiEnv: Object.freeze({}),
  cgiUser: 'nobody',
  spawnMode: 'helper',
  maxScriptHeaderSize: 64 * 1024,
  bodyMemoryLimit: 1024 * 1024,
  pythonInterpreter: 'python3',
  cgiInterpreters: Object.freeze({}),
  maxBodySize: 128 * 1024 * 1024,
});
