/**
 * One script's run under supervision: body pumped to stdin, output relayed, time limit,
 * stopped when the client goes away, exit collected. No Python counterpart: Python's
 * `run_cgi` waits for the child without limits.
 */
import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { relayOutput, relayRaw, type RelayOutcome, type ResponseTarget } from './relay.js';
import type { ScriptBody } from './request-body.js';
import type { ScriptExit, ScriptProcess } from './spawner.js';

/** The limits of one run. */
export interface RunLimits {
  /** Stop the script after this many ms (SIGTERM to its process group). */
  timeout: number;
  /** Then SIGKILL after this many more ms. */
  killDelay: number;
  /** Longest header block accepted from the script. */
  headerLimit: number;
  /** After the client half-closes, it is taken as gone once this many ms pass. */
  halfCloseGrace: number;
}

/** What happened in a run. */
export interface RunResult {
  outcome: RelayOutcome;
  exit: ScriptExit;
  timedOut: boolean;
  /** True when the client went away (the script was stopped). */
  clientGone: boolean;
  /** Reading the request body failed (it may carry `status`, e.g. 413). */
  bodyError: unknown;
}

/**
 * Runs `proc` to its end and relays its output (raw for an `nph-` script); the result says
 * what went wrong. Throws only what the response target itself throws.
 */
export async function superviseScript(
  proc: ScriptProcess, body: ScriptBody, target: ResponseTarget, connection: Socket, limits: RunLimits, nph: boolean,
): Promise<RunResult> {
  const result: RunResult = {
    outcome: { kind: 'bad-headers', reason: 'no output' }, exit: { code: null, signal: null },
    timedOut: false, clientGone: false, bodyError: undefined,
  };
  let killTimer: NodeJS.Timeout | undefined;
  const stop = () => {
    if (killTimer !== undefined) return;
    proc.kill('SIGTERM');
    killTimer = setTimeout(() => {
      proc.kill('SIGKILL');
      proc.stdout.destroy();
    }, limits.killDelay);
  };
  const timer = setTimeout(() => {
    result.timedOut = true;
    stop();
  }, limits.timeout);
  const onGone = () => {
    result.clientGone = true;
    stop();
  };
  // A reset or full close is seen at once. A FIN alone may be a client that half-closes
  // after its request and still reads (rare, legal); most often it is a client that gave
  // up: it gets a grace period for a quick answer, then counts as gone.
  let halfClosed: NodeJS.Timeout | undefined;
  const onEnd = () => (halfClosed ??= setTimeout(onGone, limits.halfCloseGrace));
  connection.once('close', onGone);
  if (connection.readableEnded) onEnd();
  else connection.once('end', onEnd);
  try {
    const pumped = pumpBody(body, proc.stdin).catch((error: unknown) => {
      result.bodyError = error;
      stop();
    });
    const relayed = nph ? relayRaw(target, proc.stdout) : relayOutput(target, proc.stdout, limits.headerLimit);
    result.outcome = await relayed.catch((error: unknown) => {
      if (!target.wfile.closed && !isDisconnect(error)) throw error;
      onGone(); // the client is gone: stop the script, drop its output
      proc.stdout.destroy();
      return { kind: 'sent' } as const;
    });
    await pumped;
    result.exit = await proc.exited;
  } finally {
    clearTimeout(timer);
    clearTimeout(killTimer);
    clearTimeout(halfClosed);
    connection.off('close', onGone).off('end', onEnd);
    proc.release();
  }
  return result;
}

/** Copies the body to the script's stdin, then closes it; a script that stops reading ends the copy. */
async function pumpBody(body: ScriptBody, stdin: Writable | null): Promise<void> {
  if (stdin === null) {
    for await (const _ of body.chunks()) void _; // nobody reads it: keep the connection in step
    return;
  }
  try {
    for await (const chunk of body.chunks()) {
      if (stdin.destroyed) continue; // the script closed its stdin: read the rest, drop it
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
