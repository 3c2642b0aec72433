import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatKmsgLine, openKmsg } from './kmsg.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('kmsg logger', () => {
  it('formats <prio>systemd-coredump[pid]: message', () => {
    expect(formatKmsgLine('err', 12, 'boom').toString()).toBe('<3>systemd-coredump[12]: boom\n');
  });

  it('writes one record per line, filters by level, survives an unwritable path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kmsg-'));
    dirs.push(dir);
    const path = join(dir, 'kmsg');
    const log = openKmsg(path, { pid: 7 });
    log.log('info', 'one\ntwo');
    log.log('debug', 'hidden');
    log.log('warning', 'three');
    log.close();
    expect(readFileSync(path, 'utf8')).toBe(
      '<6>systemd-coredump[7]: one\n<6>systemd-coredump[7]: two\n<4>systemd-coredump[7]: three\n',
    );
    const broken = openKmsg(join(dir, 'missing', 'kmsg'));
    expect(() => {
      broken.log('err', 'nowhere');
    }).not.toThrow();
  });
});
