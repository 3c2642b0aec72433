import { CORE_PATTERN_MAX_BYTES } from '@coredump-ts/protocol';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CORE_PIPE_LIMIT,
  buildTree,
  INSTALL_FILES,
  corePatternFor,
  defaultAppDir,
  renderFile,
} from './layout.js';
import { parseSysctl } from './kernel-settings.js';

const app = defaultAppDir();
const shipped = (source: string): string => readFileSync(`${app}/${source}`, 'utf8');

describe('shipped files', () => {
  it('every install source exists in the checkout', () => {
    for (const f of INSTALL_FILES) expect(shipped(f.source).length).toBeGreaterThan(0);
  });

  it('the sysctl core_pattern is ours, fits the kernel limit and takes v262 arguments', () => {
    const s = parseSysctl(shipped('units/sysctl.d/50-coredump.conf'));
    expect(s).toEqual({
      corePattern: '|/usr/bin/node /usr/lib/coredump-ts/handler.js %P %u %g %s %t %c %h %d %F %I',
      corePipeLimit: String(CORE_PIPE_LIMIT),
      suidDumpable: '2',
    });
    expect(Buffer.byteLength(s.corePattern ?? '')).toBeLessThanOrEqual(CORE_PATTERN_MAX_BYTES);
  });

  it('coredump.conf comments every key at the code default, not 252s stale comments', () => {
    const keys = shipped('conf/coredump.conf')
      .split('\n')
      .filter((l) => /^#[A-Z][A-Za-z]+=/.test(l));
    expect(keys).toEqual([
      '#Storage=external',
      '#Compress=yes',
      '#ProcessSizeMax=32G',
      '#ExternalSizeMax=32G',
      '#JournalSizeMax=767M',
      '#MaxUse=',
      '#KeepFree=',
      '#EnterNamespace=no',
      '#Content=full',
      '#RateLimitIntervalSec=0',
      '#RateLimitBurst=0',
    ]);
  });

  it('the service runs the installed worker jitless under MemoryDenyWriteExecute', () => {
    const unit = shipped('units/systemd-coredump@.service');
    expect(unit).toMatch(
      /^ExecStart=-\/usr\/bin\/node --jitless \/usr\/lib\/coredump-ts\/worker\.js$/m,
    );
    for (const line of [
      'MemoryDenyWriteExecute=yes',
      'RuntimeMaxSec=5min',
      'Nice=9',
      'OOMScoreAdjust=500',
      'StateDirectory=systemd/coredump',
      'CacheDirectory=coredump-ts/debuginfo',
      'RestrictAddressFamilies=AF_UNIX',
    ]) {
      expect(unit.split('\n')).toContain(line);
    }
  });

  it('the socket listens where the kernel helper connects', () => {
    const unit = shipped('units/systemd-coredump.socket').split('\n');
    for (const line of [
      'ListenSequentialPacket=/run/systemd/coredump',
      'SocketMode=0600',
      'Accept=yes',
      `MaxConnections=${CORE_PIPE_LIMIT}`,
      `MaxConnectionsPerSource=${CORE_PIPE_LIMIT}`,
      'DefaultDependencies=no',
    ]) {
      expect(unit).toContain(line);
    }
  });
});

describe('renderFile', () => {
  it('substitutes the node binary and keeps everything else', () => {
    const out = renderFile(
      'units/sysctl.d/50-coredump.conf',
      'kernel.core_pattern=|/usr/bin/node /x %P\n',
      { nodePath: '/opt/node/bin/node', systemdVersion: 252 },
    );
    expect(out).toBe('kernel.core_pattern=|/opt/node/bin/node /x %P\n');
  });

  it.for([
    [252, 'u systemd-coredump'],
    [undefined, 'u systemd-coredump'],
    [257, 'u! systemd-coredump'],
  ] as const)('sysusers for systemd %s: %s', ([version, expected]) => {
    const out = renderFile(
      'units/sysusers.d/systemd-coredump.conf',
      '# c\nu! systemd-coredump - "x"\n',
      { nodePath: '/usr/bin/node', systemdVersion: version },
    );
    expect(out).toBe(`# c\n${expected} - "x"\n`);
  });

  it('corePatternFor', () => {
    expect(corePatternFor('/n', '/h.js')).toBe('|/n /h.js %P %u %g %s %t %c %h %d %F %I');
  });
});

describe('what install copies', () => {
  it('never the dev-only test kit', () => {
    const tree = buildTree(app, process.execPath);
    expect('files' in tree).toBe(true);
    if (!('files' in tree)) return;
    expect(tree.files.length).toBeGreaterThan(0);
    expect(tree.files.filter((f) => f.target.startsWith('packages/testkit/'))).toEqual([]);
    expect(tree.files.some((f) => f.target.startsWith('packages/coredumpctl/'))).toBe(true);
  });
});
