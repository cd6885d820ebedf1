/**
 * What a finished run tells the client and the log: the error response when nothing was
 * sent yet, the closed connection when something was, and a log line for each way a script
 * can end badly. Python's `run_cgi` logs only a non-zero exit status.
 */
import type { ResolvedScript } from './cgi-path.js';
import type { RunResult } from './script-run.js';
import type { ScriptExit } from './spawner.js';

/** The parts of the request handler a report goes through. */
export interface ReportTarget {
  closeConnection: boolean;
  sendError(code: number, message?: string): void;
  logError(format: string, ...args: unknown[]): void;
}

/** The time limits of the run, in ms, as the log names them. */
export interface RunTimeouts {
  idle: number;
  total: number;
}

/** Answers what went wrong in a run and logs how it ended; resolves to a local redirect, if any. */
export async function reportRun(
  target: ReportTarget,
  script: ResolvedScript,
  result: RunResult,
  timeouts: RunTimeouts,
): Promise<string | undefined> {
  const { outcome } = result;
  const name = script.scriptName;
  void result.exit.then((exit) => logExit(target, name, exit, result, timeouts));
  if (result.clientGone) {
    target.logError('CGI script %s stopped: the client went away', name);
    target.closeConnection = true;
    return undefined;
  }
  if (result.bodyError !== undefined) {
    const message = String((result.bodyError as Error).message);
    if (outcome.kind === 'sent') {
      // The script has answered; the rest of the body never came (or came wrong): no second response.
      target.logError(
        'CGI script %s answered; the request body did not arrive whole (%s): connection closed',
        name,
        message,
      );
      target.closeConnection = true;
    } else {
      const status = (result.bodyError as { status?: unknown }).status;
      target.sendError(typeof status === 'number' ? status : 400, message);
    }
    return undefined;
  }
  if (outcome.kind === 'local-redirect') return outcome.location;
  if (outcome.kind === 'bad-headers') {
    await result.exit; // so that the log says how it ended, before the 500
    if (result.timedOut) return void target.sendError(504, 'CGI script timed out');
    target.logError('CGI script %s: bad response: %s', name, outcome.reason);
    target.sendError(500, 'CGI script error');
  } else if (!outcome.complete) {
    target.logError('CGI script %s: response cut short; connection closed so that the client sees it', name);
  }
  return undefined;
}

function logExit(target: ReportTarget, name: string, exit: ScriptExit, result: RunResult, timeouts: RunTimeouts): void {
  if (exit.error !== undefined) target.logError('CGI script %s could not start: %s', name, exit.error.message);
  if (result.timedOut === 'idle')
    target.logError('CGI script %s stopped: no output or input for %d ms', name, timeouts.idle);
  if (result.timedOut === 'total') target.logError('CGI script %s stopped after %d ms', name, timeouts.total);
  if (exit.code !== 0 && exit.code !== null)
    target.logError('CGI script %s exit status 0x%s', name, exit.code.toString(16));
  if (exit.signal !== null && !result.timedOut && !result.clientGone)
    target.logError('CGI script %s ended by %s', name, exit.signal);
}
