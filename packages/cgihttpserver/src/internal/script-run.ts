/**
 * One script's run under supervision: body pumped to stdin, output relayed, time limit,
 * stopped when the client goes away, exit collected. No Python counterpart: Python's
 * `run_cgi` waits for the child without limits.
 */
import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { relayOutput, relayRaw, type RelayHooks, type RelayOutcome, type ResponseTarget } from './relay.js';
import type { ScriptBody } from './request-body.js';
import type { ScriptExit, ScriptProcess } from './spawner.js';

/** The limits of one run. */
export interface RunLimits {
  /** Stop the script after this many ms in all (SIGTERM to its process group; Infinity: no limit). */
  timeout: number;
  /** Stop the script after this many ms with no output read and no body written to it. */
  idleTimeout: number;
  /** Then SIGKILL after this many more ms. */
  killDelay: number;
  /** Longest header block accepted from the script. */
  headerLimit: number;
  /** After the client half-closes, it is taken as gone once this many ms pass (Infinity: never; only a failed write or a close counts). */
  halfCloseGrace: number;
}

/** What happened in a run. */
export interface RunResult {
  outcome: RelayOutcome;
  /**
   * Settles when the script has exited (its output may end first: a keep-alive connection
   * goes on meanwhile). The time limit holds until then.
   */
  exit: Promise<ScriptExit>;
  /**
   * Which time limit stopped the script, once one did (may be set after the output ends):
   * `'idle'` (no progress for `idleTimeout`) or `'total'` (`timeout`); `false` while none.
   */
  timedOut: false | 'idle' | 'total';
  /** True when the client went away (the script was stopped). */
  clientGone: boolean;
  /** Reading the request body failed (it may carry `status`, e.g. 413). */
  bodyError: unknown;
}

/**
 * Relays `proc`'s output (raw for an `nph-` script) and resolves when it ends; the result
 * says what went wrong, and when the script exits. Throws only what the response target
 * itself throws.
 */
export async function superviseScript(
  proc: ScriptProcess,
  body: ScriptBody,
  target: ResponseTarget,
  connection: Socket,
  limits: RunLimits,
  nph: boolean,
): Promise<RunResult> {
  const result: RunResult = {
    outcome: { kind: 'bad-headers', reason: 'no output' },
    exit: proc.exited,
    timedOut: false,
    clientGone: false,
    bodyError: undefined,
  };
  // The job ends when both the output and the script have: until then the time limits hold
  // (children may keep stdout open after the script exits), and a started kill completes.
  const job = new JobTimers(proc, limits);
  const progress = armLimits(job, limits, result);
  result.exit = proc.exited.finally(() => job.settle('exit'));
  const unwatch = watchClient(connection, limits.halfCloseGrace, () => {
    result.clientGone = true;
    job.stop();
  });
  const hooks: RelayHooks = { progress, ended: () => endedWhole(proc, result) };
  try {
    const pumped = pumpBody(body, proc.stdin, progress).catch((error: unknown) => {
      result.bodyError = error;
      job.stop();
    });
    const relayed = nph
      ? relayRaw(target, proc.stdout, hooks)
      : relayOutput(target, proc.stdout, limits.headerLimit, hooks);
    result.outcome = await relayed.catch((error: unknown) => {
      if (!target.wfile.closed && !isDisconnect(error)) throw error;
      result.clientGone = true; // stop the script, drop its output
      job.stop();
      proc.stdout.destroy();
      return { kind: 'sent', complete: false } as const;
    });
    // Once the script has exited too, a body still arriving is only drained: no limit, no kill.
    job.settle('output');
    await pumped;
  } catch (error) {
    job.stop();
    throw error;
  } finally {
    unwatch();
    job.settle('output');
  }
  return result;
}

/**
 * Arms the idle and total time limits of a run (cleared when the job is done); returns the
 * function that notes progress, which restarts the idle one.
 */
function armLimits(job: JobTimers, limits: RunLimits, result: RunResult): () => void {
  const stopAt = (limit: 'idle' | 'total') => () => {
    result.timedOut ||= limit;
    job.stop();
  };
  const idle = setTimeout(stopAt('idle'), limits.idleTimeout);
  const total = Number.isFinite(limits.timeout) ? setTimeout(stopAt('total'), limits.timeout) : undefined;
  job.onDone = () => {
    clearTimeout(idle);
    clearTimeout(total);
  };
  return () => void idle.refresh();
}

/** Stops a job (SIGTERM, SIGKILL `killDelay` later) and releases it once output and process have ended. */
class JobTimers {
  onDone: () => void = () => {};
  #proc: ScriptProcess;
  #killDelay: number;
  #killTimer: NodeJS.Timeout | undefined;
  #killed = false;
  #ended = new Set<'exit' | 'output'>();

  constructor(proc: ScriptProcess, limits: RunLimits) {
    this.#proc = proc;
    this.#killDelay = limits.killDelay;
  }

  stop(): void {
    if (this.#killTimer !== undefined || this.#ended.size === 2) return;
    this.#proc.kill('SIGTERM');
    this.#killTimer = setTimeout(() => {
      this.#killed = true;
      this.#proc.kill('SIGKILL');
      this.#proc.stdout.destroy();
      this.#finish();
    }, this.#killDelay);
  }

  settle(what: 'exit' | 'output'): void {
    this.#ended.add(what);
    this.#finish();
  }

  #finish(): void {
    if (this.#ended.size < 2) return;
    if (this.#killTimer !== undefined && !this.#killed) return; // let the kill reach the group
    this.onDone();
    this.#proc.release();
  }
}

/**
 * Calls `onGone` when the client goes away: at once when the connection closes or fails.
 * A half-close (FIN) alone is not taken as gone — the client may still read the answer
 * (DESIGN: half-open connections); a client that has really left makes the next write
 * fail, which stops the script too. With a finite `grace`, a half-closed client is taken
 * as gone `grace` ms after its FIN. Returns the function that stops watching.
 */
function watchClient(connection: Socket, grace: number, onGone: () => void): () => void {
  let halfClosed: NodeJS.Timeout | undefined;
  const onEnd = () => (halfClosed ??= setTimeout(onGone, grace));
  const finite = Number.isFinite(grace);
  connection.once('close', onGone);
  if (finite && connection.readableEnded) onEnd();
  else if (finite) connection.once('end', onEnd);
  return () => {
    clearTimeout(halfClosed);
    connection.off('close', onGone).off('end', onEnd);
  };
}

/** How long the end of the output waits for the script's exit status before taking the output as whole. */
const EXIT_WAIT_MS = 1000;

/**
 * Resolves true when the output that just ended is the whole of what the script meant to
 * write: no time limit stopped it, the client is still there, and it did not die of a
 * signal (a crash, or a kill from outside). A script that closes its stdout and goes on
 * running is taken at its word after `EXIT_WAIT_MS`. A non-zero exit status alone does not
 * cut the response short (as Apache, lighttpd and Go): it is logged.
 */
async function endedWhole(proc: ScriptProcess, result: RunResult): Promise<boolean> {
  let wait: NodeJS.Timeout | undefined;
  const exit = await Promise.race([
    proc.exited,
    new Promise<undefined>((resolve) => (wait = setTimeout(() => resolve(undefined), EXIT_WAIT_MS))),
  ]);
  clearTimeout(wait);
  return result.timedOut === false && !result.clientGone && (exit === undefined || exit.signal === null);
}

/** Copies the body to the script's stdin, then closes it; a script that stops reading ends the copy. */
async function pumpBody(body: ScriptBody, stdin: Writable | null, progress: () => void): Promise<void> {
  if (stdin === null) {
    for await (const _ of body.chunks()) void _; // nobody reads it: keep the connection in step
    return;
  }
  try {
    for await (const chunk of body.chunks()) {
      if (stdin.destroyed) continue; // the script closed its stdin: read the rest, drop it
      progress();
      if (!stdin.write(chunk)) await writable(stdin);
    }
  } finally {
    stdin.end();
  }
}

function writable(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done).off('close', done);
      resolve();
    };
    stream.on('drain', done).on('close', done);
  });
}

function isDisconnect(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'EPIPE' || code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE';
}
