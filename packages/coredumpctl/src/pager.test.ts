import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { choosePager, localeIsUtf8, ownerUid, type PagerFacts } from './pager.js';
import { colorsEnabled } from './terminal.js';

const ON_PATH = new Set(['pager', 'less', 'more', 'mypager']);
const facts = (over: Partial<PagerFacts> = {}): PagerFacts => ({
  tty: true,
  euid: 0,
  ownerUid: undefined,
  localeUtf8: true,
  which: (name) => (ON_PATH.has(name) ? `/usr/bin/${name}` : undefined),
  ...over,
});
const TERM = { TERM: 'xterm' };

describe('choosePager (systemd 252 pager_open)', () => {
  it.for([
    [{}, {}, '/usr/bin/less', '1'],
    [{ PAGER: 'mypager' }, {}, '/usr/bin/less', '1'],
    [{ PAGER: 'mypager', SYSTEMD_PAGERSECURE: '0' }, {}, '/usr/bin/mypager', undefined],
    [{ SYSTEMD_PAGER: 'mypager', SYSTEMD_PAGERSECURE: 'yes' }, {}, '/usr/bin/mypager', '1'],
    [{ SYSTEMD_PAGERSECURE: 'off' }, {}, '/usr/bin/pager', undefined],
    [{ SYSTEMD_PAGERSECURE: 'junk', PAGER: 'mypager' }, {}, '/usr/bin/less', '1'],
    [{}, { ownerUid: 0 }, '/usr/bin/pager', undefined],
    [{}, { ownerUid: 1000 }, '/usr/bin/less', '1'],
    [{ SYSTEMD_PAGERSECURE: '0', PAGER: 'gone' }, {}, '/usr/bin/pager', undefined],
  ] as const)('%j %j -> %s LESSSECURE=%s', ([env, over, file, secure]) => {
    const c = choosePager({ ...TERM, ...env }, facts(over));
    expect(c).toMatchObject({
      file,
      env: { LESS: 'FRSXMK', LESSSECURE: secure, LESSCHARSET: 'utf-8' },
    });
  });

  it('splits $PAGER at whitespace', () => {
    const c = choosePager({ ...TERM, SYSTEMD_PAGERSECURE: '0', PAGER: ' mypager  -x y ' }, facts());
    expect(c).toMatchObject({ file: '/usr/bin/mypager', args: ['-x', 'y'] });
  });

  it.for([
    [{ SYSTEMD_PAGER: 'cat' }, true],
    [{ SYSTEMD_PAGER: ' cat ' }, true],
    [{ SYSTEMD_PAGER: '', PAGER: 'less' }, true],
    [{ TERM: 'dumb' }, true],
    [{ TERM: undefined }, true],
    [{}, false],
  ] as const)('%j: no pager %j', ([env, none]) => {
    expect(choosePager({ ...TERM, ...env }, facts()) === undefined).toBe(none);
  });

  it('no pager off a tty; the built-in when nothing is on $PATH', () => {
    expect(choosePager(TERM, facts({ tty: false }))).toBeUndefined();
    expect(choosePager(TERM, facts({ which: () => undefined }))).toBe('builtin');
  });

  it('takes $SYSTEMD_LESS and $SYSTEMD_LESSCHARSET; no LESSCHARSET outside UTF-8', () => {
    expect(
      choosePager({ ...TERM, SYSTEMD_LESS: 'abc', SYSTEMD_LESSCHARSET: 'latin1' }, facts()),
    ).toMatchObject({ env: { LESS: 'abc', LESSCHARSET: 'latin1' } });
    const c = choosePager(TERM, facts({ localeUtf8: false }));
    expect(c !== 'builtin' && c !== undefined && 'LESSCHARSET' in c.env).toBe(false);
  });
});

describe('localeIsUtf8 (is_locale_utf8 after setlocale)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cdts-locale-'));
  writeFileSync(join(dir, 'locale-archive'), 'xx\0de_DE.iso88591\0yy');
  it.for([
    [{}, true],
    [{ LANG: 'C' }, false],
    [{ LC_ALL: 'POSIX' }, false],
    [{ LANG: 'C.UTF-8' }, true],
    [{ LANG: 'en_US.utf8' }, true],
    [{ LANG: 'de_DE.ISO-8859-1' }, false],
    [{ LANG: 'xx_YY.ISO-8859-1' }, true],
    [{ LANG: 'C', LC_ALL: 'C.UTF-8' }, true],
    [{ LANG: '' }, true],
  ] as const)('%j -> %j', ([env, want]) => {
    expect(localeIsUtf8(env, dir)).toBe(want);
  });
  it('cleans up', () => {
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('ownerUid (sd_pid_get_owner_uid from /proc/self/cgroup)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cdts-cgroup-'));
  it.for([
    ['0::/user.slice/user-1000.slice/session-3.scope\n', 1000],
    ['0::/user.slice/user-0.slice/user@0.service/app.slice/x.scope\n', 0],
    ['0::/system.slice/ssh.service\n', undefined],
    ['0::/\n', undefined],
  ] as const)('%j -> %j', ([text, want]) => {
    const file = join(dir, 'cgroup');
    writeFileSync(file, text);
    expect(ownerUid(file)).toBe(want);
  });
  it('is unknown without the file', () => {
    expect(ownerUid(join(dir, 'none'))).toBeUndefined();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('colorsEnabled (colors_enabled)', () => {
  it.for([
    [{ TERM: 'xterm' }, true, true],
    [{ TERM: 'xterm' }, false, false],
    [{ TERM: 'dumb' }, true, false],
    [{ TERM: 'xterm', NO_COLOR: '' }, true, false],
    [{ TERM: 'xterm', SYSTEMD_COLORS: '0' }, true, false],
    [{ SYSTEMD_COLORS: '1' }, false, true],
    [{ SYSTEMD_COLORS: '24bit', NO_COLOR: '1' }, false, true],
    [{ SYSTEMD_COLORS: 'junk' }, false, false],
  ] as const)('%j on a tty %j -> %j', ([env, tty, want]) => {
    expect(colorsEnabled(env, tty)).toBe(want);
  });
});
