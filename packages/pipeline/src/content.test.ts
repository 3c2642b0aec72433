import { closeSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DEFAULT_CONFIG, type CoredumpConfig } from '@coredump-ts/config';
import { buildJournalFields, contextFromDatagrams } from '@coredump-ts/context';
import { afterEach, describe, expect, it } from 'vitest';
import { decompress } from 'zstd-napi';

import { NOTHING, type CaptureResult } from './capture.js';
import { contentFields, storeMiniCore, streamConfig } from './content.js';
import type { Log } from './log.js';

const ctx = contextFromDatagrams(
  [
    'COREDUMP_PID=4242',
    `COREDUMP_UID=${String(process.getuid?.() ?? 0)}`,
    'COREDUMP_GID=0',
    'COREDUMP_SIGNAL=11',
    'COREDUMP_TIMESTAMP=1700000000000000',
    'COREDUMP_RLIMIT=18446744073709551615',
    'COREDUMP_HOSTNAME=box',
    'COREDUMP_COMM=segv',
    'COREDUMP_EXE=/usr/bin/segv',
  ].map((s) => Buffer.from(s)),
  { pidfdReceived: false },
);
const fields = buildJournalFields(ctx);
const MiB = 1 << 20;
/** An ELF core's identification, then filler: capture only peeks at the first 16 bytes. */
const MINI = Buffer.concat([
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]),
  Buffer.alloc(8),
  Buffer.alloc(64 * 1024, 0x5a),
]);
const COUNTED: CaptureResult = { ...NOTHING, written: true, truncated: false, coreBytes: 9 * MiB };

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setUp(config: Partial<CoredumpConfig>) {
  const root = mkdtempSync(join(tmpdir(), 'content-'));
  dirs.push(root);
  writeFileSync(join(root, 'boot_id'), '0123456789abcdef0123456789abcdef\n');
  const lines: string[] = [];
  const log: Log = {
    debug: () => undefined,
    info: (m) => lines.push(m),
    warn: (m) => lines.push(m),
    error: (m) => lines.push(m),
  };
  const storageDir = join(root, 'coredump');
  const deps = {
    config: { ...DEFAULT_CONFIG, content: 'stacks', ...config } as const,
    paths: {
      storageDir,
      configRoot: root,
      journalSocket: join(root, 'no-journal'),
      procRoot: '/proc',
      bootIdFile: join(root, 'boot_id'),
      debuginfoCacheDir: join(root, 'debuginfo'),
      debugRoot: join(root, 'debug'),
    },
    log,
    pid1OrJournald: false,
    observers: [],
    why: () => 'not an ELF core',
  };
  return { deps, lines, storageDir };
}

describe('streamConfig', () => {
  it.for([
    [{ storage: 'external', externalSizeMax: 5, processSizeMax: 3 }, 5],
    [{ storage: 'journal', journalSizeMax: 2, processSizeMax: 7 }, 7],
    [{ storage: 'none', processSizeMax: 4 }, 4],
  ] as const)('Content=stacks %o: count only, over %d bytes', ([set, limit]) => {
    const config = streamConfig({ ...DEFAULT_CONFIG, ...set, content: 'stacks' });
    expect(config.storage).toBe('none');
    expect(config.processSizeMax).toBe(limit);
  });

  it('Content=full: the configuration as it is', () => {
    expect(streamConfig(DEFAULT_CONFIG)).toBe(DEFAULT_CONFIG);
  });
});

describe('contentFields', () => {
  it.for([
    [{ filename: '/c/core.x', journalCore: undefined }, 'stacks', ['stacks']],
    [{ filename: undefined, journalCore: { fd: 3 } }, 'full', ['full']],
    [{ filename: undefined, journalCore: undefined }, 'stacks', []],
  ] as const)('%o with Content=%s: %o', ([stored, content, values]) => {
    expect(contentFields(stored, content).map((f) => f.value.toString())).toEqual(values);
  });
});

describe('storeMiniCore', () => {
  it('Storage=external: the mini core zstd-compressed under the usual name, the crash sizes kept', () => {
    const { deps, storageDir } = setUp({ storage: 'external' });
    const got = storeMiniCore(ctx, fields, COUNTED, MINI, deps);
    expect(got.failure).toBeUndefined();
    expect(got.coreBytes).toBe(9 * MiB);
    expect(got.written).toBe(true);
    const names = readdirSync(storageDir);
    expect(names).toEqual([
      expect.stringMatching(
        /^core\.segv\.\d+\.0123456789abcdef0123456789abcdef\.4242\.1700000000000000\.zst$/,
      ),
    ]);
    expect(got.filename).toBe(join(storageDir, names[0] ?? ''));
    expect(decompress(readFileSync(got.filename ?? ''))).toEqual(MINI);
  });

  it('Compress=no: the mini core as a plain file', () => {
    const { deps } = setUp({ storage: 'external', compress: false });
    const got = storeMiniCore(ctx, fields, COUNTED, MINI, deps);
    expect(got.filename).toMatch(/\.1700000000000000$/);
    expect(readFileSync(got.filename ?? '')).toEqual(MINI);
  });

  it('the crash core was truncated: so is the entry', () => {
    const { deps } = setUp({ storage: 'external' });
    const got = storeMiniCore(ctx, fields, { ...COUNTED, truncated: true }, MINI, deps);
    expect([got.truncated, got.filename !== undefined]).toEqual([true, true]);
  });

  it('Storage=journal: the mini core in the memfd for COREDUMP=', () => {
    const { deps, storageDir } = setUp({ storage: 'journal' });
    const got = storeMiniCore(ctx, fields, COUNTED, MINI, deps);
    try {
      expect(got.filename).toBeUndefined();
      expect(got.journalCore?.length).toBe(MINI.length);
      expect(readFileSync(`/proc/self/fd/${String(got.journalCore?.fd)}`)).toEqual(MINI);
      expect(() => readdirSync(storageDir)).toThrow();
    } finally {
      if (got.journalCore !== undefined) closeSync(got.journalCore.fd);
    }
  });

  it('no mini core: nothing stored, one line says why, the count stays', () => {
    const { deps, lines, storageDir } = setUp({ storage: 'external' });
    const got = storeMiniCore(ctx, fields, COUNTED, undefined, deps);
    expect(got).toEqual(COUNTED);
    expect(lines).toEqual([
      'Content=stacks: no stack-only core could be built (not an ELF core), none is stored.',
    ]);
    expect(() => readdirSync(storageDir)).toThrow();
  });

  it.for([
    ['Storage=none', { storage: 'none' }, COUNTED],
    ['nothing dumped', { storage: 'external' }, NOTHING],
  ] as const)('%s: nothing stored, nothing said', ([, config, counted]) => {
    const { deps, lines } = setUp(config);
    expect(storeMiniCore(ctx, fields, counted, MINI, deps)).toEqual(counted);
    expect(lines).toEqual([]);
  });
});
