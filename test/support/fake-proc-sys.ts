// A temp dir standing in for /proc/sys, holding the three crash settings, for
// unit tests of code that reads and writes them (the real ones are global).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function fakeProcSys(corePattern = 'core', pipeLimit = '0', suid = '0'): string {
  const dir = mkdtempSync(join(tmpdir(), 'admin-procsys-'));
  mkdirSync(join(dir, 'kernel'));
  mkdirSync(join(dir, 'fs'));
  writeFileSync(join(dir, 'kernel/core_pattern'), `${corePattern}\n`);
  writeFileSync(join(dir, 'kernel/core_pipe_limit'), `${pipeLimit}\n`);
  writeFileSync(join(dir, 'fs/suid_dumpable'), `${suid}\n`);
  return dir;
}
