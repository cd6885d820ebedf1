// The spawners: the native helper, the Node helper and the direct one, with real scripts.
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DirectSpawner, HelperSpawner, nativeHelperPath, type ScriptProcess } from '../src/internal/spawner.js';
import { alive, until } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'httpstack-spawner-'));
const script = join(dir, 'cat.sh');
writeFileSync(script, '#!/bin/sh\necho "q=$QUERY_STRING cwd=$(pwd)"\ncat\necho oops >&2\nexit 7\n', { mode: 0o755 });
const sleeper = join(dir, 'sleep.sh');
writeFileSync(sleeper, `#!/bin/sh\nsleep 30 &\necho $! > ${dir}/child.pid\nwait\n`, { mode: 0o755 });
const spawners = {
  native: new HelperSpawner('native'),
  helper: new HelperSpawner('node'),
  direct: new DirectSpawner(),
};
const NATIVE = nativeHelperPath() !== undefined;
if (!NATIVE) console.warn('native spawn helper not built (no C compiler at build time?): its tests are skipped');
afterAll(async () => {
  await spawners.native.close();
  await spawners.helper.close();
  rmSync(dir, { recursive: true, force: true });
});

async function collect(proc: ScriptProcess): Promise<string> {
  let out = '';
  for await (const chunk of proc.stdout) out += String(chunk);
  return out;
}

describe.for(['native', 'helper', 'direct'] as const)('%s spawner', (kind) => {
  const spawner = spawners[kind];
  const skip = kind === 'native' && !NATIVE;

  it.skipIf(skip)("finds a program on the script's PATH and passes arguments as they are", async () => {
    const proc = await spawner.spawn(
      {
        file: 'sh',
        args: ['-c', 'echo "$1|$2"', 'sh', '-n', 'a b'],
        env: { PATH: `${dir}/none:/usr/bin:/bin` },
        cwd: dir,
        stdin: false,
      },
      () => {},
    );
    expect(await collect(proc)).toBe('-n|a b\n');
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    proc.release();
    if (kind === 'native') expect((spawner as HelperSpawner).helperKind).toBe('native');
  });

  it.skipIf(skip)('refuses a NUL byte in the environment (EINVAL), as child_process does', async () => {
    const started = spawner.spawn({ file: script, args: [], env: { X: 'a\0b' }, cwd: dir, stdin: true }, () => {});
    await expect(started).rejects.toMatchObject({ code: expect.stringMatching(/EINVAL|ERR_INVALID_ARG_VALUE/) });
  });

  it.skipIf(skip)('runs a script with env, cwd and stdin; reports stderr and exit status', async () => {
    const errors: string[] = [];
    const proc = await spawner.spawn(
      { file: script, args: [], env: { PATH: '/bin:/usr/bin', QUERY_STRING: 'a' }, cwd: dir, stdin: true },
      (t) => errors.push(t),
    );
    proc.stdin!.end('input\n');
    expect(await collect(proc)).toBe(`q=a cwd=${dir}\ninput\n`);
    expect(await proc.exited).toEqual({ code: 7, signal: null });
    proc.release();
    expect(await until(() => errors.join('').includes('oops'))).toBe(true);
  });

  it.skipIf(skip)('gives /dev/null as stdin when asked for none', async () => {
    const proc = await spawner.spawn({ file: script, args: [], env: {}, cwd: dir, stdin: false }, () => {});
    expect(proc.stdin).toBeNull();
    expect(await collect(proc)).toBe(`q= cwd=${dir}\n`);
    proc.release();
  });

  it.skipIf(skip)(
    'reports ENOENT for a missing program (rejects, or with no stdin: in exited, with no output)',
    async () => {
      await expect(
        spawner.spawn({ file: join(dir, 'missing'), args: [], env: {}, cwd: dir, stdin: true }, () => {}),
      ).rejects.toMatchObject({ code: 'ENOENT' });
      const proc = await spawner
        .spawn({ file: join(dir, 'missing'), args: [], env: {}, cwd: dir, stdin: false }, () => {})
        .catch((error: unknown) => error);
      if (proc instanceof Error) return expect(proc).toMatchObject({ code: 'ENOENT' });
      expect(await collect(proc as ScriptProcess)).toBe('');
      expect((await (proc as ScriptProcess).exited).error).toMatchObject({ code: 'ENOENT' });
    },
  );

  it.skipIf(skip)('kills the whole process group', async () => {
    const proc = await spawner.spawn(
      { file: sleeper, args: [], env: { PATH: '/bin:/usr/bin' }, cwd: dir, stdin: false },
      () => {},
    );
    expect(
      await until(() => {
        try {
          return readFileSync(join(dir, 'child.pid'), 'utf8').trim() !== '';
        } catch {
          return false;
        }
      }),
    ).toBe(true);
    const child = Number(readFileSync(join(dir, 'child.pid'), 'utf8'));
    proc.kill('SIGKILL');
    expect((await proc.exited).signal).toBe('SIGKILL');
    expect(await until(() => !alive(child))).toBe(true);
    proc.release();
    rmSync(join(dir, 'child.pid'));
  });
});

describe.for(['native', 'node'] as const)('HelperSpawner (%s)', (kind) => {
  it.skipIf(kind === 'native' && !NATIVE)('starts a new helper after the old one dies', async () => {
    const spawner = new HelperSpawner(kind);
    try {
      const first = await spawner.spawn({ file: script, args: [], env: {}, cwd: dir, stdin: false }, () => {});
      await collect(first);
      first.release();
      await spawner.close();
      const second = await spawner.spawn({ file: script, args: [], env: {}, cwd: dir, stdin: false }, () => {});
      expect(await collect(second)).toContain('q=');
      second.release();
    } finally {
      await spawner.close();
    }
  });
});
