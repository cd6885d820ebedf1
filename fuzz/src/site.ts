/**
 * A throw-away site for the server child: a small file, a large file, and CGI scripts that
 * answer, die, or run slowly. Readable by `nobody` (CGI scripts run as nobody under root).
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Scripts of the site's `cgi-bin`, by name. */
const SCRIPTS: Record<string, string> = {
  'hello.sh': '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\nhello from cgi\\n"\n',
  // Dies by SIGKILL after sending part of its answer.
  'die.sh': '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\npartial"\nkill -9 $$\n',
  // Dies before writing anything.
  'die-early.sh': '#!/bin/sh\nkill -9 $$\n',
  // 100 MiB of output.
  'big.sh': '#!/bin/sh\nprintf "Content-Type: application/octet-stream\\r\\n\\r\\n"\nhead -c 104857600 /dev/zero\n',
  // Writes a line every 50 ms for 5 s: a client can leave in the middle.
  'slow.sh':
    '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n"\ni=0\nwhile [ $i -lt 100 ]; do echo "line $i"; sleep 0.05; i=$((i+1)); done\n',
};

/** Creates the site; `bigMiB` sizes `big.bin`. Returns its path and a remover. */
export function makeSite(bigMiB = 64): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'httpstack-fuzz-'));
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'small.txt'), 'small file\n');
  const mebibyte = Buffer.alloc(1024 * 1024, 0x62);
  writeFileSync(join(dir, 'big.bin'), Buffer.concat(Array.from({ length: bigMiB }, () => mebibyte)));
  mkdirSync(join(dir, 'cgi-bin'), { mode: 0o755 });
  chmodSync(join(dir, 'cgi-bin'), 0o755);
  for (const [name, text] of Object.entries(SCRIPTS)) writeFileSync(join(dir, 'cgi-bin', name), text, { mode: 0o755 });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
