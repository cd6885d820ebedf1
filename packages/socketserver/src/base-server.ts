/** Port of `socketserver.BaseServer`. */
import { format } from 'node:util';
import type { BaseRequestHandler, RequestHandlerClass } from './base-request-handler.js';
import type { Address, ServerOptions } from './types.js';

/** Option names copied onto the server's fields when it binds. */
const OPTION_FIELDS = [
  'maxConnections',
  'requestQueueSize',
  'idleTimeout',
  'timeout',
  'shutdownTimeout',
  'allowReuseAddress',
  'allowReusePort',
  'tls',
  'proxyProtocol',
  'proxyHeaderTimeout',
] as const;

/**
 * BaseServer is the base class of all servers: it runs the request loop and the template
 * methods of Python's `socketserver`, leaving the socket work to subclasses.
 *
 * Methods for the caller: `serveForever()`, `shutdown()`, `handleRequest()`,
 * `serverClose()`, `[Symbol.asyncDispose]()`.
 *
 * Methods that may be overridden: `serverBind()`, `serverActivate()`, `verifyRequest()`,
 * `processRequest()`, `finishRequest()`, `shutdownRequest()`, `closeRequest()`,
 * `handleError()`, `handleTimeout()`, `serviceActions()`.
 *
 * Methods for derived classes (protected): `acceptRequest()` (feed an arrived request to the
 * loop), `isIdle()`, `stopAccepting()`, `closeConnections()`, `applyOptions()`, `isBound()`.
 *
 * Requests are served concurrently on the event loop, which is what Python's
 * `ThreadingMixIn` gives. **Differs from Python:** every method that blocks in Python
 * returns a Promise; `serverBind()` both binds and listens (one step in Node).
 */
export abstract class BaseServer<R = unknown> {
  /** The address served; after binding, holds the real one (the port chosen for port 0). */
  serverAddress: Address;
  /** The handler class; the server makes one instance per request. */
  RequestHandlerClass: RequestHandlerClass;
  /** Options given to the constructor; applied over the fields when the server binds. */
  readonly options: ServerOptions;
  /** `handleRequest()` waits this many ms for a request (`null`: forever). */
  timeout: number | null = null;
  /** How long `shutdown()` lets in-flight requests run before closing them, in ms. */
  shutdownTimeout = 10_000;
  /** Requests waiting for `handleRequest()`; beyond this many, new ones are refused. */
  requestQueueSize = 511;

  #optionsApplied = false;
  #activation: Promise<void> | undefined;
  #serving = false;
  #shuttingDown = false;
  #shutdown: Promise<void> | undefined;
  #stopped!: () => void;
  #stoppedPromise = new Promise<void>((resolve) => (this.#stopped = resolve));
  #pending: Array<[R, Address]> = [];
  #arrived: (() => void) | undefined;
  #active = new Map<R, BaseRequestHandler<any> | undefined>();
  #idle: (() => void) | undefined;

  /** Only assigns; `serverBind()` (or `serveForever()`) does the work. */
  constructor(serverAddress: Address, RequestHandlerClass: RequestHandlerClass, options: ServerOptions = {}) {
    this.serverAddress = serverAddress;
    this.RequestHandlerClass = RequestHandlerClass;
    this.options = options;
  }

  /** True from the moment `shutdown()` is called. Handlers use it to stop keeping connections. */
  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Number of requests being handled now. */
  get activeRequests(): number {
    return this.#active.size;
  }

  // --- for the caller ------------------------------------------------------------------

  /**
   * Serves requests until `shutdown()`; resolves once shutdown is complete. Binds first if
   * that has not been done. Calls `serviceActions()` every `pollInterval` ms.
   */
  async serveForever(pollInterval = 500): Promise<void> {
    if (this.#shuttingDown) return this.#stoppedPromise;
    await this.#activate();
    this.#serving = true;
    for (const [request, clientAddress] of this.#pending.splice(0))
      void this.#handleRequestNoblock(request, clientAddress);
    const timer = setInterval(() => this.#runServiceActions(), pollInterval).unref();
    try {
      await this.#stoppedPromise;
    } finally {
      clearInterval(timer);
      this.#serving = false;
    }
  }

  /**
   * Stops the server gracefully: stops accepting, closes idle connections, lets in-flight
   * requests finish for up to `shutdownTimeout` ms, then closes the rest. Resolves when
   * every connection is closed; `serveForever()` resolves then too.
   */
  shutdown(): Promise<void> {
    this.#shutdown ??= this.#shutdownGracefully();
    return this.#shutdown;
  }

  /**
   * Waits for one request and handles it. If none arrives within `timeout` ms, calls
   * `handleTimeout()` instead.
   */
  async handleRequest(): Promise<void> {
    await this.#activate();
    const next = this.#pending.shift() ?? (await this.#nextArrival());
    if (next) await this.#handleRequestNoblock(next[0], next[1]);
    else await this.handleTimeout();
  }

  /** Releases the server's socket. May be overridden (call `super.serverClose()`). */
  async serverClose(): Promise<void> {}

  /** `await using server = …`: `shutdown()`, then `serverClose()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
    await this.serverClose();
  }

  // --- may be overridden ---------------------------------------------------------------

  /** Binds (and, in Node, listens on) the server's socket. Called once, before activation. */
  async serverBind(): Promise<void> {}

  /** Hook called after `serverBind()`. The default does nothing. May be overridden. */
  async serverActivate(): Promise<void> {}

  /** Called every poll interval of `serveForever()`. The default does nothing. May be overridden. */
  serviceActions(): void {}

  /** Called when `handleRequest()` waited `timeout` ms in vain. Does nothing. May be overridden. */
  async handleTimeout(): Promise<void> {}

  /** Returns false to drop the request unanswered. The default accepts all. May be overridden. */
  verifyRequest(_request: R, _clientAddress: Address): boolean | Promise<boolean> {
    return true;
  }

  /**
   * Handles an accepted request: `finishRequest()`, errors to `handleError()`, then always
   * `shutdownRequest()`. May be overridden.
   */
  async processRequest(request: R, clientAddress: Address): Promise<void> {
    try {
      await this.finishRequest(request, clientAddress);
    } catch (error) {
      this.handleError(request, clientAddress, error);
    } finally {
      this.shutdownRequest(request);
    }
  }

  /**
   * Makes the handler and awaits its `setup()`, `handle()` and (always) `finish()`.
   * May be overridden.
   */
  async finishRequest(request: R, clientAddress: Address): Promise<void> {
    const handler = new this.RequestHandlerClass(request, clientAddress, this);
    this.#active.set(request, handler);
    try {
      await handler.setup();
      await handler.handle();
    } finally {
      await handler.finish();
    }
  }

  /** Ends one request cleanly; the default calls `closeRequest()`. May be overridden. */
  shutdownRequest(request: R): void {
    this.closeRequest(request);
  }

  /** Releases one request's resources. The default does nothing. May be overridden. */
  closeRequest(_request: R): void {}

  /**
   * Reports a failure of a request's handling. The default logs it to stderr with the
   * client's address; the server keeps serving. May be overridden.
   */
  handleError(_request: R, clientAddress: Address, error: unknown): void {
    const from = typeof clientAddress === 'string' ? clientAddress : `${clientAddress[0]}:${clientAddress[1]}`;
    process.stderr.write(
      `${'-'.repeat(40)}\nException occurred during processing of request from ${from}\n` +
        `${format(error)}\n${'-'.repeat(40)}\n`,
    );
  }

  // --- for derived classes -------------------------------------------------------------

  /**
   * Hands a newly arrived request to the request loop: served at once while
   * `serveForever()` runs, otherwise queued for `handleRequest()` (up to
   * `requestQueueSize`; beyond that, or during shutdown, closed unanswered).
   */
  protected acceptRequest(request: R, clientAddress: Address): void {
    if (this.#shuttingDown || (!this.#serving && this.#pending.length >= this.requestQueueSize)) {
      this.closeRequest(request);
    } else if (this.#serving) {
      void this.#handleRequestNoblock(request, clientAddress);
    } else {
      this.#pending.push([request, clientAddress]);
      this.#arrived?.();
    }
  }

  /** Whether the handler of `request` says it is idle (waiting between requests). */
  protected isIdle(request: R): boolean {
    return (this.#active.get(request) as { idle?: boolean } | undefined)?.idle === true;
  }

  /** Stops accepting new requests. Called first by `shutdown()`. May be overridden. */
  protected async stopAccepting(): Promise<void> {}

  /** Closes what is left once every handler is done. Called last by `shutdown()`. May be overridden. */
  protected async closeConnections(): Promise<void> {}

  // --- the loop ------------------------------------------------------------------------

  /** Binds (unless already bound) and activates, once; concurrent callers share the work. */
  #activate(): Promise<void> {
    this.#activation ??= (async () => {
      if (!this.isBound()) await this.serverBind();
      await this.serverActivate();
    })();
    return this.#activation;
  }

  /** Whether `serverBind()` has run. Stream and datagram servers override it. */
  protected isBound(): boolean {
    return false;
  }

  /**
   * Copies the constructor's options over the fields, once (so options win over subclass
   * field defaults, which are set only after the base constructor returns). `serverBind()`
   * calls it first.
   */
  protected applyOptions(): void {
    if (this.#optionsApplied) return;
    this.#optionsApplied = true;
    for (const name of OPTION_FIELDS) {
      const value = this.options[name];
      if (value !== undefined) (this as Record<string, unknown>)[name] = value;
    }
  }

  async #handleRequestNoblock(request: R, clientAddress: Address): Promise<void> {
    this.#active.set(request, undefined);
    try {
      if (await this.verifyRequest(request, clientAddress)) {
        await this.processRequest(request, clientAddress);
      } else {
        this.shutdownRequest(request);
      }
    } catch (error) {
      this.#reportError(request, clientAddress, error);
      this.shutdownRequest(request);
    } finally {
      this.#active.delete(request);
      if (this.#active.size === 0) this.#idle?.();
    }
  }

  #reportError(request: R, clientAddress: Address, error: unknown): void {
    try {
      this.handleError(request, clientAddress, error);
    } catch (failure) {
      process.stderr.write(`handleError failed: ${format(failure)}\n`);
    }
  }

  #runServiceActions(): void {
    try {
      this.serviceActions();
    } catch (error) {
      process.stderr.write(`serviceActions failed: ${format(error)}\n`);
    }
  }

  #nextArrival(): Promise<[R, Address] | undefined> {
    return new Promise((resolve) => {
      const timer = this.timeout === null ? undefined : setTimeout(() => done(), this.timeout);
      const done = () => {
        clearTimeout(timer);
        this.#arrived = undefined;
        resolve(this.#pending.shift());
      };
      this.#arrived = done;
    });
  }

  async #shutdownGracefully(): Promise<void> {
    this.#shuttingDown = true;
    try {
      // A bind in progress (serveForever() just called) must finish, or its listener would outlive us.
      await this.#activation?.catch(() => {});
      await this.stopAccepting();
      for (const [request] of this.#pending.splice(0)) this.closeRequest(request);
      this.#arrived?.();
      for (const request of this.#active.keys()) if (this.isIdle(request)) this.shutdownRequest(request);
      if (!(await this.#allIdle(this.shutdownTimeout))) {
        for (const request of this.#active.keys()) this.closeRequest(request);
        await this.#allIdle(1000);
      }
      await this.closeConnections();
    } finally {
      this.#stopped();
    }
  }

  /** Resolves true once no request is active, false if `ms` pass first. */
  #allIdle(ms: number): Promise<boolean> {
    if (this.#active.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      this.#idle = () => {
        clearTimeout(timer);
        this.#idle = undefined;
        resolve(true);
      };
    });
  }
}
