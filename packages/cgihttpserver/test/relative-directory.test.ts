// A relative `directory` (as in the README examples) works in every spawn mode.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { makeFixture, serve, type Fixture } from './helpers.js';

let fixture: Fixture;
beforeAll(() => {
  fixture = makeFixture();
});
afterAll(() => fixture?.remove());

/** A port free a moment ago (the README example listens on a fixed port). */
async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const port = (probe.address() as { port: number }).port;
  probe.close();
  await once(probe, 'close');
  return port;
}

/** Fetches `url`, retrying while the server is still starting (connection refused), for at most 10 s. */
async function fetchWhenUp(url: string): Promise<Response> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await fetch(url);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe('a relative directory', () => {
  it('the package README example, as written, runs www/cgi-bin/hello.sh', async () => {
    const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    const example = /```ts\n([\s\S]*?)```/.exec(readme)![1]!;
    expect(example).toContain("directory: 'www'");
    const port = await freePort();
    // Inside the package, so that its imports resolve; run from the folder that holds www/.
    const file = join(import.meta.dirname, `.readme-example-${process.pid}.mjs`);
    writeFileSync(file, example.replace('8000', String(port)));
    const child = spawn(process.execPath, [file], { cwd: dirname(fixture.root), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    try {
      const response = await fetchWhenUp(`http://127.0.0.1:${port}/cgi-bin/hello.sh`);
      expect(response.status, stderr).toBe(200);
      expect(await response.text()).toBe('hello from sh\n');
    } finally {
      child.kill();
      rmSync(file, { force: true });
    }
  });

  it.for(['helper', 'node-helper', 'direct'] as const)(
    'works with spawnMode %s, and PATH_TRANSLATED is absolute',
    async (spawnMode) => {
      const cwd = process.cwd();
      process.chdir(dirname(fixture.root));
      const running = await serve('www', { spawnMode });
      try {
        const response = await fetch(`${running.url}/cgi-bin/env.sh/extra`);
        expect(response.status).toBe(200);
        const env = await response.text();
        expect(env).toContain(`SCRIPT_FILENAME=${join(fixture.root, 'cgi-bin', 'env.sh')}\n`);
        expect(env).toContain(`PATH_TRANSLATED=${join(fixture.root, 'extra')}\n`);
        expect(running.log.join('\n')).not.toContain('could not start');
      } finally {
        await running.close();
        process.chdir(cwd);
      }
    },
  );
});
