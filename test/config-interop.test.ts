// Our own coredump.conf keys (Content=, RateLimitIntervalSec=, RateLimitBurst=)
// against systemd 252's worker, which reads the same file: it must only warn
// about them and go on parsing. systemd-coredump parses its configuration first
// thing and logs to /dev/kmsg; in a private mount namespace both are bind
// mounts of files of this test, so the machine's own files are never touched.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, parseConfigText } from '@coredump-ts/config';

const SYSTEMD_COREDUMP = '/lib/systemd/systemd-coredump';
const MAIN = '/etc/systemd/coredump.conf';
const canRun = existsSync(SYSTEMD_COREDUMP) && existsSync(MAIN) && process.getuid?.() === 0;

describe.skipIf(!canRun)("systemd 252's worker reading our keys", () => {
  const dir = mkdtempSync(join(tmpdir(), 'cdts-conf-interop-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** What systemd-coredump logs while parsing `text` as /etc/systemd/coredump.conf. */
  function systemdParse(text: string): string[] {
    const conf = join(dir, 'coredump.conf');
    const kmsg = join(dir, 'kmsg');
    writeFileSync(conf, text);
    writeFileSync(kmsg, '');
    const script = [
      `mount --bind '${conf}' ${MAIN}`,
      `mount --bind '${kmsg}' /dev/kmsg`,
      // No arguments: it parses the configuration, then refuses to go on.
      `${SYSTEMD_COREDUMP} || true`,
    ].join(' && ');
    execFileSync('unshare', ['-m', 'sh', '-c', script], { stdio: 'ignore' });
    return readFileSync(kmsg, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.replace(/^<\d+>systemd-coredump\[\d+\]: /, ''));
  }

  it('warns about each of our keys, keeps parsing, and fails nothing', () => {
    // The shipped file with our keys set, and a bad value after them: its warning
    // proves systemd read on past our lines.
    const shipped = readFileSync(join(import.meta.dirname, '../conf/coredump.conf'), 'utf8');
    const text = shipped
      .replace('#Content=full', 'Content=stacks')
      .replace('#RateLimitIntervalSec=0', 'RateLimitIntervalSec=5min')
      .replace('#RateLimitBurst=0', 'RateLimitBurst=3')
      .concat('Storage=bogus\n');
    const lines = text.split('\n');
    const lineOf = (prefix: string): number => lines.findIndex((l) => l.startsWith(prefix)) + 1;
    expect(systemdParse(text)).toEqual([
      `${MAIN}:${lineOf('Content=')}: Unknown key 'Content' in section [Coredump], ignoring.`,
      `${MAIN}:${lineOf('RateLimitIntervalSec=')}: Unknown key 'RateLimitIntervalSec' in section [Coredump], ignoring.`,
      `${MAIN}:${lineOf('RateLimitBurst=')}: Unknown key 'RateLimitBurst' in section [Coredump], ignoring.`,
      `${MAIN}:${lineOf('Storage=bogus')}: Failed to parse storage setting, ignoring: bogus`,
      'Not enough arguments passed by the kernel (0, expected between 6 and 8).',
    ]);
    // And we take them, with the same warning for the bad Storage=.
    const ours = parseConfigText(text, MAIN, DEFAULT_CONFIG);
    expect(ours.config).toEqual({
      ...DEFAULT_CONFIG,
      content: 'stacks',
      rateLimitIntervalUsec: 300_000_000,
      rateLimitBurst: 3,
    });
    expect(ours.diagnostics.map((d) => d.line)).toEqual([lineOf('Storage=bogus')]);
  });

  it('bad values of our keys are still only unknown keys to systemd', () => {
    const text = '[Coredump]\nContent=everything\nRateLimitBurst=-1\nRateLimitIntervalSec=\n';
    expect(systemdParse(text)).toEqual([
      `${MAIN}:2: Unknown key 'Content' in section [Coredump], ignoring.`,
      `${MAIN}:3: Unknown key 'RateLimitBurst' in section [Coredump], ignoring.`,
      `${MAIN}:4: Unknown key 'RateLimitIntervalSec' in section [Coredump], ignoring.`,
      'Not enough arguments passed by the kernel (0, expected between 6 and 8).',
    ]);
  });
});
