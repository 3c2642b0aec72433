// The man pages (man/*.md, built by scripts/build-man.mjs during `npm run
// build`): each renders with `man -l` and passes groff's warnings (-ww), and
// they document what the commands accept (every option of coredumpctl-ts
// --help, every command of coredump-ts help).
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { HELP } from '../packages/coredumpctl/src/help.js';
import { USAGE } from '../packages/admin/src/args.js';

const ROOT = new URL('..', import.meta.url).pathname;
const MAN = join(ROOT, 'man');
const PAGES = ['coredumpctl-ts.1', 'coredump-ts.8', 'coredump.conf-ts.5'];

beforeAll(() => {
  execFileSync(process.execPath, [join(ROOT, 'scripts/build-man.mjs')], { stdio: 'pipe' });
});

describe('man pages', () => {
  it('every source is built, and only these', () => {
    expect(
      readdirSync(MAN)
        .filter((f) => f.endsWith('.md'))
        .sort(),
    ).toEqual(PAGES.map((p) => `${p}.md`).sort());
  });

  it.for(PAGES)('%s: groff -man -ww renders it without a warning', (page) => {
    const r = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z', join(MAN, page)], {
      encoding: 'utf8',
      env: { ...process.env, LC_ALL: 'C.UTF-8' },
    });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
  });

  it.for(PAGES)('%s: man -l shows NAME, the name and SEE ALSO', (page) => {
    const r = spawnSync('man', ['-l', join(MAN, page)], {
      encoding: 'utf8',
      env: { ...process.env, MANPAGER: 'cat', PAGER: 'cat', MANWIDTH: '100', LC_ALL: 'C.UTF-8' },
    });
    expect(r.status, r.stderr).toBe(0);
    const name = page.replace(/\.\d$/, '');
    expect(r.stdout).toMatch(new RegExp(`^NAME\\n +${name.replaceAll('.', '\\.')} +- `, 'm'));
    expect(r.stdout).toMatch(/^SEE ALSO$/m);
  });

  it('coredumpctl-ts(1) documents every option --help lists', () => {
    const page = readFileSync(join(MAN, 'coredumpctl-ts.1.md'), 'utf8');
    const options = [...HELP.matchAll(/(?:^|\s)(--?[a-zA-Z1][a-z-]*)/g)].map((m) => m[1] ?? '');
    expect(options.length).toBeGreaterThan(20);
    for (const option of options) expect(page, option).toContain(`\`${option}`);
  });

  it('coredump-ts(8) documents every command its help lists, and --version', () => {
    const page = readFileSync(join(MAN, 'coredump-ts.8.md'), 'utf8');
    const commands = [...USAGE.matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1] ?? '');
    expect(commands).toEqual(['install', 'uninstall', 'collect', 'demo', 'exporter', 'help']);
    for (const command of [...commands, '--version']) expect(page).toContain(`\`${command}\``);
  });
});
