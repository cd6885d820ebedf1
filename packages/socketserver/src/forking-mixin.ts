/** Port of `socketserver.ForkingMixIn`, on `node:cluster`. */
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { RequestHandlerClass } from './base-request-handler.js';
import type { BaseServer } from './base-server.js';
import { TCPServer, UnixStreamServer } from './tcp-server.js';
import { UDPServer } from './udp-server.js';
import type { Address, ServerOptions } from './types.js';

/** Options of a `ForkingMixIn` server, beyond the base server's. */
export interface ForkingOptions extends ServerOptions {
  /** Worker processes to run. Default: one per core. */
  workers?: number;
  /** Script each worker runs (it must build and serve the same server). Default: this one. */
  workerScript?: string;
  /** Arguments for `workerScript`. Default: this process's. */
  workerArgs?: string[];
  /**
   * Who hands new connections to the workers: `'round-robin'` (the primary accepts and
   * passes each to the next worker in turn; even spread) or `'os'` (every worker accepts
   * on the shared socket; a worker that dies takes no connection with it). Default: Node's
   * (`'round-robin'` except on Windows, or `NODE_CLUSTER_SCHED_POLICY`). Process-wide: the
   * first forking server of a process fixes it.
   *
   * **Differs from Python:** Python's forking server has no equivalent (it forks per request).
   * With `'round-robin'`, a connection the primary hands to a worker in the instant that
   * worker crashes is lost (Node cannot take it back): the client waits until its own
   * timeout. With `'os'`, the spread between workers is less even.
   */
  scheduling?: 'round-robin' | 'os';
}

const SHUTDOWN = 'httpstack:shutdown';
/** A worker that dies sooner than this after its start is replaced only after this delay. */
const RESPAWN_DELAY_MS = 1000;

type ServerClass = abstract new (...args: any[]) => BaseServer<any>;

/**
 * The class `ForkingMixIn(Base)` returns: `Base`'s static side, with a constructor that also
 * takes `ForkingOptions` and makes a `Base` that is a `ForkingServer`.
 */
export type ForkingServerClass<T extends ServerClass> = Omit<T, never> &
  (new (
    serverAddress: Address,
    RequestHandlerClass: RequestHandlerClass<InstanceType<T>>,
    options?: ForkingOptions & OptionsOf<T>,
  ) => InstanceType<T> & ForkingServer);

/** The options type of a server class's constructor (its third parameter). */
type OptionsOf<T extends ServerClass> =
  NonNullable<ConstructorParameters<T>[2]> extends infer O ? (unknown extends O ? {} : O) : {};

/** What `ForkingMixIn` adds to a server. */
export interface ForkingServer {
  /** Number of worker processes. */
  workers: number;
  /** True in the supervising process, false in a worker. */
  readonly isPrimary: boolean;
  /** PIDs of the running workers (primary only). */
  readonly workerPids: number[];
}

/**
 * ForkingMixIn makes a server class whose listening socket is shared by `workers`
 * processes, through `node:cluster`: `class ForkingTCPServer extends ForkingMixIn(TCPServer) {}`.
 *
 * The same script runs in the primary and in each worker. In the primary, `serverBind()`
 * starts the workers and fills `serverAddress` from the first that listens; `serveForever()`
 * replaces a worker that dies (the listening socket stays open meanwhile: the other workers
 * keep serving); `shutdown()` shuts every worker down gracefully and waits for them to
 * exit. In a worker, the server is the base server, listening through the primary; SIGTERM
 * sent to a worker shuts that worker down gracefully (in-flight requests finish), after
 * which the primary starts a new one, and SIGINT is left to the primary.
 *
 * **Differs from Python:** processes are started once, not forked per request (Node cannot
 * fork); handlers run in the workers; `handleRequest()` is only available in a worker.
 */
export function ForkingMixIn<T extends ServerClass>(Base: T): ForkingServerClass<T> {
  abstract class Forking extends Base {
    /** Number of worker processes. May be overridden. */
    workers = availableParallelism();
    #children = new Set<Worker>();
    #shutdownHooked = false;
    #forked = false;

    /** True in the supervising process, false in a worker. */
    get isPrimary(): boolean {
      return cluster.isPrimary;
    }

    /** PIDs of the running workers (primary only). */
    get workerPids(): number[] {
      return [...this.#children].map((worker) => worker.process.pid!).filter(Boolean);
    }

    protected override applyOptions(): void {
      super.applyOptions();
      const { workers } = this.options as ForkingOptions;
      if (workers !== undefined) this.workers = workers;
      if (!Number.isInteger(this.workers) || this.workers < 1) {
        throw new RangeError(`workers must be a positive integer, got ${this.workers}`);
      }
    }

    override async serverBind(): Promise<void> {
      if (cluster.isWorker) {
        this.#hookShutdown();
        return super.serverBind();
      }
      this.applyOptions();
      this.#forked = true;
      const options = this.options as ForkingOptions;
      setScheduling(options.scheduling);
      cluster.setupPrimary({
        exec: options.workerScript ?? process.argv[1],
        args: options.workerArgs ?? process.argv.slice(2),
      });
      const listening = new Promise<Address>((resolve, reject) => {
        const onListening = (_worker: Worker, address: { address: string | null; port: number }) => {
          cluster.off('listening', onListening).off('exit', onEarlyExit);
          resolve(
            address.port === -1 || !address.port ? (address.address ?? '') : [address.address ?? '', address.port],
          );
        };
        const onEarlyExit = (_worker: Worker, code: number | null, signal: string | null) => {
          cluster.off('listening', onListening).off('exit', onEarlyExit);
          reject(new Error(`worker exited before listening (code ${code}, signal ${signal})`));
        };
        cluster.on('listening', onListening).on('exit', onEarlyExit);
      });
      for (let i = 0; i < this.workers; i++) this.#fork();
      this.serverAddress = await listening;
    }

    protected override isBound(): boolean {
      return cluster.isPrimary ? this.#forked : super.isBound();
    }

    override async handleRequest(): Promise<void> {
      if (cluster.isPrimary) throw new TypeError('handleRequest() runs in a worker; the primary only supervises');
      return super.handleRequest();
    }

    protected override async stopAccepting(): Promise<void> {
      if (cluster.isWorker) return super.stopAccepting();
      for (const worker of this.#children) if (worker.isConnected()) worker.send(SHUTDOWN);
    }

    protected override async closeConnections(): Promise<void> {
      if (cluster.isWorker) return super.closeConnections();
      const exits = [...this.#children].map((worker) => new Promise((resolve) => worker.once('exit', resolve)));
      const timer = setTimeout(() => {
        for (const worker of this.#children) worker.process.kill('SIGKILL');
      }, this.shutdownTimeout + 2000);
      await Promise.all(exits);
      clearTimeout(timer);
    }

    #fork(): void {
      const started = Date.now();
      const worker = cluster.fork();
      this.#children.add(worker);
      worker.on('exit', () => {
        this.#children.delete(worker);
        if (this.shuttingDown) return;
        // A crashed worker is replaced; one that dies at once is replaced slowly, not in a loop.
        const delay = Date.now() - started < RESPAWN_DELAY_MS ? RESPAWN_DELAY_MS : 0;
        setTimeout(() => this.shuttingDown || this.#fork(), delay);
      });
    }

    /** In a worker: shut down when the primary says so, then let the process exit. */
    #hookShutdown(): void {
      if (this.#shutdownHooked) return;
      this.#shutdownHooked = true;
      // The primary coordinates Ctrl-C for the whole process group.
      process.on('SIGINT', () => {});
      const drain = () => {
        void this.shutdown()
          .then(() => this.serverClose())
          .finally(() => cluster.worker?.disconnect());
      };
      // SIGTERM to one worker (or to the whole group, as systemd does) drains it gracefully.
      process.on('SIGTERM', drain);
      process.on('message', (message) => message === SHUTDOWN && drain());
    }
  }
  return Forking as unknown as ForkingServerClass<T>;
}

/** Sets `cluster.schedulingPolicy`, which Node fixes at the first `setupPrimary()` of the process. */
function setScheduling(scheduling: ForkingOptions['scheduling']): void {
  if (scheduling === undefined) return;
  if (scheduling !== 'os' && scheduling !== 'round-robin')
    throw new RangeError(`scheduling must be 'round-robin' or 'os', got ${scheduling}`);
  const policy = scheduling === 'os' ? cluster.SCHED_NONE : cluster.SCHED_RR;
  if (policy === cluster.schedulingPolicy) return;
  if (Object.keys(cluster.settings).length > 0) {
    throw new Error(
      `scheduling '${scheduling}' cannot be set: this process already started workers with the other policy`,
    );
  }
  cluster.schedulingPolicy = policy;
}

/** A `TCPServer` whose connections are served by worker processes. Port of `socketserver.ForkingTCPServer`. */
export class ForkingTCPServer extends ForkingMixIn(TCPServer) {}

/**
 * A `UDPServer` whose datagrams are served by worker processes: they all receive from the
 * one shared socket. Port of `socketserver.ForkingUDPServer`.
 */
export class ForkingUDPServer extends ForkingMixIn(UDPServer) {}

/** A `UnixStreamServer` served by worker processes. Port of `socketserver.ForkingUnixStreamServer`. */
export class ForkingUnixStreamServer extends ForkingMixIn(UnixStreamServer) {}
