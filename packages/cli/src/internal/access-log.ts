/** `--log-format json` and `--quiet`: the access log through the handler's logging hooks. */
import { performance } from 'node:perf_hooks';
import { printf, SEND_ERROR_FORMAT, type BaseHTTPRequestHandler } from '@httpstack/basehttpserver';

/** `common`: Python's lines, unchanged; `json`: one JSON object a line; `none`: no access log. */
export type AccessLogFormat = 'common' | 'json' | 'none';

type HandlerClass = new (...args: any[]) => BaseHTTPRequestHandler<any>;

/**
 * withAccessLog returns `Handler` with its access log in `format`, by overriding the hooks
 * Python provides for it (`logRequest`, `logMessage`, `handleOneRequest`).
 *
 * JSON lines go to stderr, one per request once its response is complete:
 * `{"time","client","method","path","status","bytes","duration_ms","pid"}`. `bytes` counts
 * what was written to the connection for the response, headers included; `pid` tells
 * workers apart. Other messages (errors) become `{"time","client","message","pid"}`.
 * `none` drops the access log (with `sendError()`'s line) but keeps other error messages.
 */
export function withAccessLog<T extends HandlerClass>(Handler: T, format: AccessLogFormat): T {
  if (format === 'common') return Handler;
  if (format === 'none') {
    class Quiet extends Handler {
      override logRequest(): void {}

      override logError(format: string, ...args: unknown[]): void {
        // `sendError()`'s line (Python: "code %d, message %s") belongs to the access log.
        if (format !== SEND_ERROR_FORMAT) super.logError(format, ...args);
      }
    }
    return Quiet;
  }
  class JsonLog extends Handler {
    #status: number | undefined;

    override async handleOneRequest(): Promise<void> {
      const started = performance.now();
      const before = this.wfile.bytesWritten;
      this.#status = undefined;
      try {
        await super.handleOneRequest();
      } finally {
        if (this.#status !== undefined) {
          writeLine({
            ...this.#fields(),
            method: this.command,
            path: this.path,
            status: this.#status,
            bytes: this.wfile.bytesWritten - before,
            duration_ms: round(performance.now() - started),
            pid: process.pid,
          });
        }
      }
    }

    override logRequest(code?: number | string): void {
      this.#status = Number(code);
    }

    override logMessage(format: string, ...args: unknown[]): void {
      writeLine({ ...this.#fields(), message: printf(format, args), pid: process.pid });
    }

    #fields(): { time: string; client: string } {
      return { time: new Date().toISOString(), client: this.addressString() };
    }
  }
  return JsonLog;
}

function writeLine(record: object): void {
  process.stderr.write(`${JSON.stringify(record)}\n`);
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
