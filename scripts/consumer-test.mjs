// The packages as a stranger gets them: every package packed, the tarballs installed with npm
// into a scratch project outside the workspace, and there the docs' TypeScript compiled
// (strict, NodeNext, skipLibCheck off) and run, the installed CLI run, publint and attw on
// every tarball. Run by `.ci/run` after the build (`pnpm test:consumer`); exits 1 on any failure.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { blocksOf, documents } from './doc-blocks.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'node_modules/.bin');
const scratch = mkdtempSync(join(tmpdir(), 'httpstack-consumer-'));
chmodSync(scratch, 0o755); // CGI scripts run as nobody when CI runs as root
const failures = [];
const fail = (message) => {
  failures.push(message);
  console.log(`consumer: FAIL ${message}`);
};
const sh = (file, args, options = {}) => execFileSync(file, args, { encoding: 'utf8', stdio: 'pipe', ...options });

/** Packs every published package (private ones, such as the test kit, are not); returns `{ name, dir, tarball }`. */
function pack() {
  const out = join(scratch, 'packs');
  const manifests = readdirSync(join(root, 'packages')).map((dir) => ({
    dir,
    manifest: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')),
  }));
  return manifests
    .filter(({ manifest }) => manifest.private !== true)
    .map(({ dir, manifest }) => {
      sh('pnpm', ['pack', '--pack-destination', out], { cwd: join(root, 'packages', dir) });
      const tarball = join(out, `${manifest.name.replace('@', '').replace('/', '-')}-${manifest.version}.tgz`);
      return { name: manifest.name, dir, tarball };
    });
}

/** What a tarball must and must not hold. */
function checkContents({ name, tarball }) {
  const files = sh('tar', ['tzf', tarball]).split('\n').filter(Boolean);
  for (const required of ['package/LICENSE', 'package/README.md', 'package/package.json']) {
    if (!files.includes(required)) fail(`${name}: the tarball has no ${required.slice(8)}`);
  }
  for (const file of files) {
    if (/\.tsbuildinfo$|\.d\.ts\.map$|^package\/src\/.*\.ts$/.test(file))
      fail(`${name}: the tarball ships ${file.slice(8)}`);
  }
  // A source map must carry its sources: src/ is not shipped.
  const map = files.find((file) => file.endsWith('.js.map'));
  const parsed = map === undefined ? undefined : JSON.parse(sh('tar', ['xzOf', tarball, map]));
  if (parsed && parsed.sourcesContent?.length !== parsed.sources.length)
    fail(`${name}: ${map.slice(8)} has no sourcesContent`);
  const manifest = JSON.parse(sh('tar', ['xzOf', tarball, 'package/package.json']));
  for (const field of ['repository', 'homepage', 'bugs', 'keywords', 'license']) {
    if (manifest[field] === undefined) fail(`${name}: package.json has no "${field}"`);
  }
  if (manifest.exports?.['./package.json'] === undefined) fail(`${name}: no "./package.json" export`);
  const readme = sh('tar', ['xzOf', tarball, 'package/README.md']);
  for (const [link] of readme.matchAll(/\]\((?!https?:|#)[^)]*\)/g))
    fail(`${name}: README link ${link} is dead on a package page`);
}

/** publint and attw (ESM-only profile: these packages are ESM) on a tarball. */
function lintTarball({ name, tarball }) {
  for (const [tool, args] of [
    ['publint', ['run', tarball, '--strict']],
    ['attw', [tarball, '--profile', 'esm-only', '--format', 'ascii', '--no-emoji', '--no-color']],
  ]) {
    try {
      sh(join(bin, tool), args);
    } catch (error) {
      fail(`${name}: ${tool} found errors:\n${error.stdout}${error.stderr}`);
    }
  }
}

/** The scratch project: the tarballs, TypeScript and Node's types, one `npm install`. */
function install(packs) {
  const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const dependencies = Object.fromEntries(packs.map(({ name, tarball }) => [name, `file:${tarball}`]));
  const devDependencies = {
    typescript: rootManifest.devDependencies.typescript,
    '@types/node': rootManifest.devDependencies['@types/node'],
  };
  // The tarballs name each other by version; overrides make npm take them from the tarballs.
  const manifest = {
    name: 'consumer',
    private: true,
    type: 'module',
    dependencies,
    devDependencies,
    overrides: dependencies,
  };
  writeFileSync(join(scratch, 'package.json'), JSON.stringify(manifest, null, 2));
  sh('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: scratch, stdio: 'inherit' });
}

/** Every ```ts block of the docs, compiled in one `tsc` run; returns the blocks. */
function compileDocs() {
  const blocks = documents(root).flatMap((file) => blocksOf(root, file));
  mkdirSync(join(scratch, 'blocks'));
  for (const block of blocks) {
    if (block.skip !== undefined) console.log(`consumer: not compiled, ${block.file}:${block.line}: ${block.skip}`);
    else writeFileSync(join(scratch, 'blocks', `${block.name}.ts`), `${block.code}\nexport {};\n`);
  }
  const tsconfig = {
    compilerOptions: {
      strict: true,
      module: 'nodenext',
      target: 'es2022',
      lib: ['es2023', 'esnext.disposable'],
      types: ['node'],
      skipLibCheck: false,
      rootDir: 'blocks',
      outDir: 'out',
    },
    include: ['blocks'],
  };
  writeFileSync(join(scratch, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  try {
    sh(join(scratch, 'node_modules/.bin/tsc'), ['-p', '.'], { cwd: scratch });
  } catch (error) {
    // blocks/NAME.ts(line,col) → the document and its line.
    const byName = new Map(blocks.map((block) => [block.name, block]));
    const text = `${error.stdout}`.replace(/blocks\/([\w-]+)\.ts\((\d+),(\d+)\)/g, (whole, name, line, col) => {
      const block = byName.get(name);
      return block ? `${block.file}:${block.line + Number(line) - block.offset}:${col}` : whole;
    });
    fail(`the docs' TypeScript does not compile against the installed packages:\n${text}`);
  }
  const compiled = blocks.filter((block) => block.skip === undefined);
  console.log(`consumer: ${compiled.length} doc blocks compiled, ${blocks.length - compiled.length} skipped`);
  return compiled;
}

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  return port;
}

/** Connects (retrying while the program starts, at most `ms`), sends `data`, collects the answer. */
async function exchange(port, data, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const socket = connect(port, '127.0.0.1');
    try {
      await once(socket, 'connect');
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
      continue;
    }
    socket.end(data);
    socket.setTimeout(5000, () => socket.destroy());
    const chunks = [];
    for await (const chunk of socket) chunks.push(chunk);
    return Buffer.concat(chunks).toString();
  }
}

/** Stops a child we started: SIGTERM, then SIGKILL if it has not exited within 3 s. */
async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/**
 * Runs a block marked `<!-- doc-test: run {"port": 8000, "send": "…", "expect": "…" or ["…"],
 * "files": {"public/a.txt": "…"}} -->`: its compiled JS, with the documented port replaced
 * by a free one, in a folder holding `files`; sends `send` and half-closes; the answer must
 * contain each `expect`.
 */
async function runBlock(block) {
  const { port: documented, send, expect, files = {} } = block.run;
  const port = await freePort();
  const cwd = join(scratch, 'run', block.name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(cwd, path)), { recursive: true });
    writeFileSync(join(cwd, path), text);
  }
  mkdirSync(cwd, { recursive: true });
  const compiled = readFileSync(join(scratch, 'out', `${block.name}.js`), 'utf8');
  const program = join(scratch, 'out', `${block.name}.run.js`);
  writeFileSync(program, compiled.replaceAll(new RegExp(`\\b${documented}\\b`, 'g'), String(port)));
  const child = spawn(process.execPath, [program], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  try {
    const answer = await exchange(port, send, 15_000);
    const missing = [expect].flat().filter((part) => !answer.includes(part));
    if (missing.length > 0)
      fail(`${block.file}:${block.line}: answered ${JSON.stringify(answer)}, without ${JSON.stringify(missing)}`);
    else console.log(`consumer: ran ${block.file}:${block.line}; it answered as the doc says`);
  } catch (error) {
    fail(`${block.file}:${block.line}: ${error.message}; its output: ${output}`);
  } finally {
    await stop(child);
  }
}

/** The installed CLI: `npx @httpstack/cli --help`, then a file and a CGI script served. */
async function checkCli() {
  const help = sh('npx', ['--no-install', '@httpstack/cli', '--help'], { cwd: scratch });
  if (!/--directory/.test(help)) fail(`npx @httpstack/cli --help printed no flag list:\n${help}`);
  const site = join(scratch, 'site');
  mkdirSync(join(site, 'cgi-bin'), { recursive: true });
  writeFileSync(join(site, 'hello.txt'), 'hello from a file\n');
  writeFileSync(
    join(site, 'cgi-bin/hi.sh'),
    '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\nhello from CGI %s\\n" "$QUERY_STRING"\n',
  );
  chmodSync(join(site, 'cgi-bin/hi.sh'), 0o755);
  const cli = join(scratch, 'node_modules/.bin/httpstack');
  const child = spawn(cli, ['0', '-b', '127.0.0.1', '-d', site, '--cgi'], {
    cwd: scratch,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let banner = '';
  child.stdout.on('data', (chunk) => (banner += chunk));
  try {
    const port = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner in 15 s: ${banner}`)), 15_000);
      child.stdout.on('data', () => {
        const found = / port (\d+) /.exec(banner);
        if (found) resolve(Number(found[1]), clearTimeout(timer));
      });
      child.once('exit', (code) => reject(new Error(`httpstack exited with ${code}`)));
    });
    for (const [path, expected] of [
      ['/hello.txt', 'hello from a file\n'],
      ['/cgi-bin/hi.sh?x=1', 'hello from CGI x=1\n'],
    ]) {
      const response = await fetch(`http://127.0.0.1:${port}${path}`);
      const body = await response.text();
      if (response.status !== 200 || body !== expected)
        fail(`httpstack --cgi: GET ${path} gave ${response.status} ${JSON.stringify(body)}`);
    }
  } catch (error) {
    fail(`the installed httpstack: ${error.message}`);
  } finally {
    await stop(child);
    if (child.exitCode !== 0)
      fail(`the installed httpstack exited with ${child.exitCode ?? child.signalCode} after SIGTERM, not 0`);
  }
}

const started = Date.now();
try {
  const packs = pack();
  for (const pack of packs) checkContents(pack);
  for (const pack of packs) lintTarball(pack);
  install(packs);
  const blocks = compileDocs();
  if (failures.length === 0) for (const block of blocks.filter((b) => b.run !== undefined)) await runBlock(block);
  await checkCli();
} catch (error) {
  fail(`${error.message}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
} finally {
  if (process.env.HTTPSTACK_KEEP_CONSUMER !== '1') rmSync(scratch, { recursive: true, force: true });
}
const seconds = ((Date.now() - started) / 1000).toFixed(1);
console.log(`consumer: ${failures.length === 0 ? 'ok' : `${failures.length} failure(s)`} in ${seconds} s`);
process.exitCode = failures.length === 0 ? 0 : 1;
