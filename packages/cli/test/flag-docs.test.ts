// Every flag `httpstack --help` lists is documented where users look for it: the root README,
// this package's README and the CLI guide. A new flag fails here until it is written down.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url);
const DOCS = ['README.md', 'packages/cli/README.md', 'docs/guide/cli.md'];

/** The long flags of the `options:` section of `--help`, as the installed bin prints it. */
function helpFlags(): string[] {
  const help = spawnSync(process.execPath, [new URL('../bin/httpstack.js', import.meta.url).pathname, '--help'], {
    encoding: 'utf8',
  });
  expect(help.status).toBe(0);
  const options = help.stdout.slice(help.stdout.indexOf('options:'));
  return [...new Set(options.match(/(?<![\w-])--[a-z][a-z-]*[a-z]/g))];
}

/** Whether `doc` names `flag` (`--no-dotfiles` may be written `--[no-]dotfiles`). */
function documents(doc: string, flag: string): boolean {
  const spellings = [flag, flag.replace(/^--(no-)?/, '--[no-]')];
  return spellings.some((spelling) => new RegExp(`${spelling.replace(/[[\]]/g, '\\$&')}(?![\\w-])`).test(doc));
}

describe('the flag documentation', () => {
  const flags = helpFlags();

  it('finds the flags in --help', () => {
    expect(flags).toContain('--directory');
    expect(flags).toContain('--shutdown-timeout');
  });

  it.for(DOCS)('%s names every flag of --help', (file) => {
    const doc = readFileSync(new URL(file, root), 'utf8');
    const missing = flags.filter((flag) => !documents(doc, flag));
    expect(missing, `${file} does not document ${missing.join(', ')} (see httpstack --help)`).toEqual([]);
  });
});
