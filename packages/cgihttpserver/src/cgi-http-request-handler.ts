/** Port of `http.server.CGIHTTPRequestHandler`. */
import { accessSync, constants } from 'node:fs';
import { dirname, join } from 'node:path';
import type { HTTPServer } from '@httpstack/basehttpserver';
import { SimpleHTTPRequestHandler, type ResponseBody } from '@httpstack/simplehttpserver';
import { checkScript, locateScript, splitCGIPath, type CGIInfo, type ResolvedScript } from './internal/cgi-path.js';
import { buildEnvironment } from './internal/meta-variables.js';
import { bufferedBody, NO_BODY, streamedBody, type ScriptBody } from './internal/request-body.js';
import { acquireSlot, lookUpUser, releaseSlot, sharedSpawner, type SpawnMode } from './internal/script-limits.js';
import { superviseScript, type RunResult } from './internal/script-run.js';
import type { ScriptExit, ScriptProcess } from './internal/spawner.js';

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
  /** A script is stopped (SIGTERM to its process group) after this many ms. May be overridden. */
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
   * (built from C by `pnpm build` when a C compiler is there; `vfork` + `execve`), else the
   * Node one; `'node-helper'`: always the Node helper; `'direct'`: from this process, which
   * slows down as its heap grows. May be overridden.
   */
  spawnMode: SpawnMode;
  /** Longest header block a script may write, in bytes (500 beyond). May be overridden. */
  maxScriptHeaderSize: number;
  /** A chunked body larger than this goes to a temporary file. May be overridden. */
  bodyMemoryLimit: number;
  /** Interpreter of scripts for which `isPython()` is true. May be overridden. */
  pythonInterpreter: string;
}

/**
 * CGIHTTPRequestHandler runs CGI scripts (RFC 3875) found in `cgiDirectories` for GET,
 * HEAD and POST, and serves every other path as `SimpleHTTPRequestHandler` does.
 *
 * Methods for the caller: `do_GET()`, `do_HEAD()`, `do_POST()`.
 * Methods that may be overridden: `isCGI()`, `isExecutable()`, `isPython()`, `runCGI()`
 * and its parts `resolveScript()`, `buildEnv()`, `spawnScript()`, `relayOutput()`, and
 * `remoteUser()`. Fields that may be overridden: `cgiDirectories`, `cgiTimeout`,
 * `cgiKillDelay`, `cgiHalfCloseGrace`, `maxScripts`, `scriptQueueTimeout`, `retryAfter`,
 * `inheritEnv`, `cgiEnv`, `cgiUser`, `spawnMode`, `maxScriptHeaderSize`,
 * `bodyMemoryLimit`, `pythonInterpreter`, `maxBodySize`.
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
 * **Security:** only regular, executable, non-dot files inside a CGI directory of the
 * normalised path ever run; the query string is never made into arguments; the server's
 * environment is not passed on (an allow-list: `PATH`, locale, `TZ`; more with
 * `inheritEnv` / `cgiEnv`); a `Proxy` header never becomes `HTTP_PROXY` (httpoxy);
 * `Authorization` is not passed and `REMOTE_USER` comes only from `remoteUser()`; a script
 * runs at most `cgiTimeout` ms and is stopped when the client goes away; at most
 * `maxScripts` run at once (a request waits up to `scriptQueueTimeout` for a slot, then
 * 503); as root, scripts run as `cgiUser` (`nobody`).
 *
 * **Differs from Python:** Python sends `200 Script output follows` and passes the output
 * through unparsed; here the script's headers decide the status, and a malformed block is
 * a 500. Scripts run in their own directory (Python: the server's), for at most 60 s
 * (Python: no limit), with no arguments (Python: the query when it has no `=`), and with
 * an environment built from scratch (Python: a copy of the server's). See
 * `docs/python-mapping.md`.
 */
export class CGIHTTPRequestHandler<S extends HTTPServer = HTTPServer> extends SimpleHTTPRequestHandler<S> {
  /** Python's `cgi_info`: the CGI directory and the rest of the path, set by `isCGI()`. */
  cgiInfo: CGIInfo | undefined;

  #redirects = 0;
  /** Settles when the script of the current run has exited. */
  #scriptExit: Promise<unknown> | undefined;

  /** Serves a POST: runs the script, or answers 501 when the path is not one. */
  async do_POST(): Promise<void> {
    if (this.isCGI()) await this.runCGI();
    else this.sendError(501, 'Can only POST to CGI scripts');
  }

  /** Runs the script for a CGI path; otherwise the static head of `SimpleHTTPRequestHandler`. */
  override async sendHead(): Promise<ResponseBody | undefined> {
    if (!this.isCGI()) return super.sendHead();
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
   * Runs the script `cgiInfo` names and answers with its output: resolves the script,
   * takes a slot, reads the body as needed, builds the environment, spawns, relays.
   * May be overridden.
   */
  async runCGI(): Promise<void> {
    const script = await this.resolveScript();
    if (script === undefined) return;
    const server = this.server;
    if (!(await acquireSlot(server, this.maxScripts, this.scriptQueueTimeout))) return this.#busy();
    let location: string | undefined;
    try {
      location = await this.#runScript(script);
    } finally {
      // The slot is held until the script has exited, which may be after its output ended.
      const exited = this.#scriptExit;
      this.#scriptExit = undefined;
      if (exited === undefined) releaseSlot(server);
      else void exited.finally(() => releaseSlot(server));
    }
    if (location !== undefined) await this.#localRedirect(location);
  }

  /**
   * Finds the script file and `PATH_INFO` for `cgiInfo`, or answers 404/403 and resolves
   * to `undefined`. May be overridden.
   */
  protected async resolveScript(): Promise<ResolvedScript | undefined> {
    const script = await locateScript(this.cgiInfo!, this.directory);
    const problem = await checkScript(script, (file) => this.isExecutable(file));
    if (problem === null) return script;
    this.sendError(problem.status, problem.message);
    return undefined;
  }

  /** The environment of `script` for this request (RFC 3875 §4.1). May be overridden. */
  protected buildEnv(script: ResolvedScript, contentLength: number | undefined): Record<string, string> {
    const [remoteAddr, remotePort] = typeof this.clientAddress === 'string' ? [this.clientAddress, 0] : this.clientAddress;
    return buildEnvironment({
      serverSoftware: this.versionString(),
      serverName: this.server.serverName,
      serverPort: this.server.serverPort,
      protocol: this.requestVersion,
      method: this.command,
      requestUri: this.path,
      scriptName: script.scriptName,
      scriptFilename: script.scriptFile,
      pathInfo: script.pathInfo,
      pathTranslated: script.pathInfo === '' ? undefined : join(this.directory, script.pathInfo),
      queryString: this.cgiInfo?.query ?? '',
      remoteAddr,
      remotePort,
      headers: this.headers,
      contentLength,
      remoteUser: this.remoteUser(),
    }, { source: process.env, inheritEnv: this.inheritEnv, env: this.cgiEnv });
  }

  /**
   * The user name the server itself has verified for this request (`REMOTE_USER`), or
   * `undefined` (the default). **Security:** never return what a header merely claims.
   * May be overridden.
   */
  protected remoteUser(): string | undefined {
    return undefined;
  }

  /** Starts `script` with `env`; its stderr goes to `logError`. May be overridden. */
  protected async spawnScript(script: ResolvedScript, env: Record<string, string>, stdin: boolean): Promise<ScriptProcess> {
    const python = this.isPython(script.scriptFile);
    const user = process.getuid?.() === 0 && this.cgiUser !== null ? lookUpUser(this.cgiUser) : undefined;
    if (user === null) throw new Error(`CGI user ${String(this.cgiUser)} not found: refusing to run scripts as root`);
    return sharedSpawner(this.spawnMode).spawn({
      file: python ? this.pythonInterpreter : script.scriptFile,
      args: python ? ['-u', script.scriptFile] : [],
      env, cwd: dirname(script.scriptFile), stdin,
      ...(user === undefined ? {} : { uid: user.uid, gid: user.gid }),
    }, (text) => this.#logStderr(script, text));
  }

  /** Answers from the running script's output (see the class notes). May be overridden. */
  protected async relayOutput(proc: ScriptProcess, body: ScriptBody, script: ResolvedScript): Promise<string | undefined> {
    const limits = {
      timeout: this.cgiTimeout, killDelay: this.cgiKillDelay,
      headerLimit: this.maxScriptHeaderSize, halfCloseGrace: this.cgiHalfCloseGrace,
    };
    const nph = script.scriptName.slice(script.scriptName.lastIndexOf('/') + 1).startsWith('nph-');
    const result = await superviseScript(proc, body, this, this.request, limits, nph);
    this.#scriptExit = result.exit;
    return this.#report(script, result);
  }

  /** Reads the body as the script needs it, spawns, relays; resolves to a local redirect, if any. */
  async #runScript(script: ResolvedScript): Promise<string | undefined> {
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

  /** Answers what went wrong in a run and logs how it ended; resolves to a local redirect, if any. */
  async #report(script: ResolvedScript, result: RunResult): Promise<string | undefined> {
    const { outcome } = result;
    void result.exit.then((exit) => this.#logExit(script, exit, result));
    if (result.clientGone) {
      this.logError('CGI script %s stopped: the client went away', script.scriptName);
      this.closeConnection = true;
      return undefined;
    }
    if (result.bodyError !== undefined) {
      const status = (result.bodyError as { status?: unknown }).status;
      this.sendError(typeof status === 'number' ? status : 400, String((result.bodyError as Error).message));
      return undefined;
    }
    if (outcome.kind === 'local-redirect') return outcome.location;
    if (outcome.kind === 'bad-headers') {
      await result.exit; // so that the log says how it ended, before the 500
      if (result.timedOut) return void this.sendError(504, 'CGI script timed out');
      this.logError('CGI script %s: bad response: %s', script.scriptName, outcome.reason);
      this.sendError(500, 'CGI script error');
    } else if (result.timedOut) {
      this.closeConnection = true;
    }
    return undefined;
  }

  #logExit(script: ResolvedScript, exit: ScriptExit, result: RunResult): void {
    const name = script.scriptName;
    if (exit.error !== undefined) this.logError('CGI script %s could not start: %s', name, exit.error.message);
    if (result.timedOut) this.logError('CGI script %s stopped after %d ms', name, this.cgiTimeout);
    if (exit.code !== 0 && exit.code !== null) this.logError('CGI script %s exit status 0x%s', name, exit.code.toString(16));
    if (exit.signal !== null && !result.timedOut && !result.clientGone) this.logError('CGI script %s ended by %s', name, exit.signal);
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
  cgiTimeout: 60_000,
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
  maxBodySize: 128 * 1024 * 1024,
});
