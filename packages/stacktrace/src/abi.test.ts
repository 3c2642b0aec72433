// The helper declares the elfutils API itself (helper/elfutils.h) so that
// building it needs no libdw-dev. Where libdw-dev is installed (the test
// machines: scripts/test-prepare.sh), check those declarations against it:
// the same layouts and constants, and prototypes the compiler accepts next
// to the real ones.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { expect, it } from 'vitest';

const execFileAsync = promisify(execFile);
const SOURCE = fileURLToPath(new URL('helper/abi-check.c', import.meta.url));
const HEADERS = '/usr/include/elfutils/libdwfl.h';

async function layout(dir: string, flags: readonly string[]): Promise<string> {
  const binary = join(dir, `abi${String(flags.length)}`);
  await execFileAsync('gcc', ['-std=gnu11', '-Wall', '-Werror', ...flags, '-o', binary, SOURCE]);
  return (await execFileAsync(binary)).stdout;
}

it.skipIf(!existsSync(HEADERS))(
  'helper/elfutils.h matches the installed elfutils headers',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdts-abi-'));
    try {
      const ours = await layout(dir, []);
      expect(ours).toContain('ELF_T_NHDR 19\n');
      expect(await layout(dir, ['-DCDTS_ELFUTILS_PROTOTYPES_ONLY'])).toBe(ours);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
