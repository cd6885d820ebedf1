/**
 * Which request paths name a CGI script, and which file and `PATH_INFO` they map to. Port
 * of Python's `_url_collapse_path`, `CGIHTTPRequestHandler.is_cgi` and the path half of
 * `run_cgi`.
 */
import { join } from 'node:path';
import { parseRequestTarget } from '@httpstack/basehttpserver';
import { statQuiet } from '@httpstack/simplehttpserver';

/** A request path split at its CGI directory: `/cgi-bin` and `a.sh/x`. */
export interface CGIInfo {
  /** The CGI directory matched, e.g. `/cgi-bin`. */
  dir: string;
  /** Decoded, collapsed path after the directory, without the query; ends with `/` when the path did. */
  rest: string;
  /** The query string, still URL-encoded ('' when none). */
  query: string;
}

/** A script found on disk for a request. */
export interface ResolvedScript {
  /** URL path of the script (`SCRIPT_NAME`). */
  scriptName: string;
  /** File-system path of the script. */
  scriptFile: string;
  /** Decoded path after the script (`PATH_INFO`), '' or starting with `/`. */
  pathInfo: string;
}

/** Why a CGI path has no script to run: the status to answer and the message. */
export interface ScriptProblem {
  status: 403 | 404;
  message: string;
}

/**
 * Splits a request target at the first CGI directory its collapsed path lies in; `null`
 * when it lies in none (Python's `is_cgi`). `/cgi-bin/` is inside (and answers 403 as a
 * directory, never a listing); `/cgi-bin` is not (the static layer redirects it to `/cgi-bin/`).
 *
 * **Security:** the match is made on the normalised path, so `/x/../cgi-bin/a` and
 * `/cgi-bin/%2e%2e/etc` cannot reach outside a CGI directory or into one by a detour.
 */
export function splitCGIPath(target: string, cgiDirectories: readonly string[]): CGIInfo | null {
  // `..` collapsed as Python's `_url_collapse_path`; a path that climbs above the root, or
  // holds NUL, a backslash or a bad escape, is never a CGI script.
  const parsed = parseRequestTarget(target, { dotDot: 'collapse' });
  if (!parsed.ok) return null;
  const { segments } = parsed;
  const query = parsed.query.slice(1);
  const mark = target.search(/[?#]/);
  const rawPath = mark === -1 ? target : target.slice(0, mark);
  for (let i = 1; i < segments.length; i++) {
    const dir = '/' + segments.slice(0, i).join('/');
    if (cgiDirectories.includes(dir)) {
      const rest = segments.slice(i).join('/') + (endsAsDirectory(rawPath) ? '/' : '');
      return { dir, rest, query };
    }
  }
  // `/cgi-bin/` itself is in the CGI directory too (Python: 403), so it is never listed.
  const whole = '/' + segments.join('/');
  if (parsed.trailingSlash && cgiDirectories.includes(whole)) return { dir: whole, rest: '', query };
  return null;
}

/**
 * True when the decoded path ends with `/` (or `/.`, `/..`, which collapse to one), as
 * Python's `_url_collapse_path`, lighttpd and Go keep it: `PATH_INFO` then ends with `/`.
 */
function endsAsDirectory(rawPath: string): boolean {
  let last = rawPath.slice(rawPath.lastIndexOf('/') + 1);
  try {
    last = decodeURIComponent(last);
  } catch {
    return false; // parseRequestTarget has refused such a path already
  }
  return /(?:^|\/)\.{0,2}$/.test(last);
}

/**
 * Finds the script a CGI path names under `root`: sub-directories of the CGI directory are
 * walked down as far as they exist on disk; the next segment is the script and the rest
 * is `PATH_INFO` (Python's `run_cgi`).
 */
export async function locateScript(info: CGIInfo, root: string): Promise<ResolvedScript> {
  const parts = info.rest.split('/');
  let dir = info.dir;
  let used = 0;
  while (used < parts.length - 1 && (await isDirectory(join(root, dir, parts[used]!)))) {
    dir = `${dir}/${parts[used]}`;
    used++;
  }
  const script = parts[used]!;
  const tail = parts.slice(used + 1);
  const scriptName = `${dir}/${script}`;
  // `a.sh/` gives tail [''] and PATH_INFO `/`; `a.sh/x/` gives `/x/`.
  return { scriptName, scriptFile: join(root, scriptName), pathInfo: tail.length > 0 ? '/' + tail.join('/') : '' };
}

/**
 * Checks that `script` may run: it exists, is a regular file, no part of its path is a dotfile, and
 * `isExecutable` says yes. Returns the problem to answer, or `null`.
 */
export async function checkScript(
  script: ResolvedScript,
  isExecutable: (file: string) => Promise<boolean>,
): Promise<ScriptProblem | null> {
  if (script.scriptName.includes('/.')) return { status: 404, message: `No such CGI script (${script.scriptName})` };
  const info = statQuiet(script.scriptFile);
  if (info === undefined) return { status: 404, message: `No such CGI script (${script.scriptName})` };
  if (!info.isFile()) return { status: 403, message: `CGI script is not a plain file (${script.scriptName})` };
  if (!(await isExecutable(script.scriptFile))) {
    return { status: 403, message: `CGI script is not executable (${script.scriptName})` };
  }
  return null;
}

async function isDirectory(path: string): Promise<boolean> {
  return statQuiet(path)?.isDirectory() ?? false;
}
