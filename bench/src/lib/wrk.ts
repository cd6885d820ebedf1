/** Drives `wrk` (Debian package) against a URL and parses its report. */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface WrkOptions {
  url: string;
  /** Open connections (default 50). */
  connections?: number;
  /** wrk threads (default 1: the right shape on a 2-core machine). */
  threads?: number;
  /** Duration in seconds (default 5). */
  seconds?: number;
  /** Requests written per connection before reading (HTTP pipelining); default 1. */
  pipeline?: number;
  /** Extra request headers. */
  headers?: Record<string, string>;
}

export interface WrkResult {
  requestsPerSec: number;
  bytesPerSec: number;
  requests: number;
  /** Socket errors (connect, read, write, timeout) plus non-2xx/3xx responses. */
  errors: number;
}

/** True if the `wrk` command is on PATH. */
export function hasWrk(): boolean {
  return spawnSync('wrk', ['--version']).error === undefined;
}

let scriptDir: string | undefined;

/** The Lua script that makes wrk pipeline `depth` requests per write. */
function pipelineScript(depth: number, headers: Record<string, string>): string {
  scriptDir ??= mkdtempSync(join(tmpdir(), 'httpstack-wrk-'));
  const path = join(scriptDir, `pipeline-${depth}.lua`);
  const extra = Object.entries(headers)
    .map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`)
    .join('\n');
  writeFileSync(
    path,
    `${extra}
init = function(args)
  local r = {}
  for i = 1, ${depth} do r[i] = wrk.format(nil) end
  req = table.concat(r)
end
request = function() return req end
`,
  );
  return path;
}

/** Runs wrk once and resolves with its figures. */
export function wrk(options: WrkOptions): Promise<WrkResult> {
  const { url, connections = 50, threads = 1, seconds = 5, pipeline = 1, headers = {} } = options;
  const args = ['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '--latency'];
  if (pipeline > 1) args.push('-s', pipelineScript(pipeline, headers));
  else for (const [key, value] of Object.entries(headers)) args.push('-H', `${key}: ${value}`);
  args.push(url);
  return new Promise((resolve, reject) => {
    execFile('wrk', args, { timeout: (seconds + 30) * 1000 }, (error, stdout) => {
      if (error) return reject(new Error(`wrk failed: ${error.message}\n${stdout}`));
      resolve(parseWrk(stdout));
    });
  });
}

/** Parses wrk's text report. */
export function parseWrk(text: string): WrkResult {
  const number = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);
  const requests = number(/(\d+) requests in/);
  const errorLine = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const socketErrors = errorLine ? errorLine.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  const non2xx = number(/Non-2xx or 3xx responses: (\d+)/);
  return {
    requestsPerSec: number(/Requests\/sec:\s+([\d.]+)/),
    bytesPerSec: parseSize(/Transfer\/sec:\s+([\d.]+\w+)/.exec(text)?.[1] ?? '0B'),
    requests,
    errors: socketErrors + non2xx,
  };
}

function parseSize(value: string): number {
  const match = /^([\d.]+)(\w+)$/.exec(value);
  if (!match) return 0;
  const scale: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };
  return Number(match[1]) * (scale[match[2]!] ?? 1);
}
