import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configFs as fs } from '@coredump-ts/unix';
import { DEFAULT_CONFIG, JOURNAL_SIZE_MAX, type CoredumpConfig } from './config.js';
import { CONFIG_FILE_MAX_BYTES, loadConfig } from './load.js';

const M = 1024 * 1024;
const G = 1024 * M;
const sec = (body: string): string => `[Coredump]\n${body}\n`;

/** path -> file text, or { symlink } for a symlink (relative targets stay relative). */
type Tree = Record<string, string | { symlink: string } | { fifo: true }>;

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

const makeTree = (tree: Tree): string => {
  const root = mkdtempSync(join(tmpdir(), 'coredump-conf-'));
  roots.push(root);
  for (const [rel, content] of Object.entries(tree)) {
    const path = join(root, rel);
    mkdirSync(dirname(path), { recursive: true });
    if (typeof content === 'string') writeFileSync(path, content);
    else if ('fifo' in content) execFileSync('mkfifo', [path]);
    else symlinkSync(content.symlink, path);
  }
  return root;
};

const ETC = 'etc/systemd/coredump.conf';
const RUN = 'run/systemd/coredump.conf';
const LOCAL = 'usr/local/lib/systemd/coredump.conf';
const USR = 'usr/lib/systemd/coredump.conf';
const D = (dir: string, name: string): string => `${dir}/systemd/coredump.conf.d/${name}`;

interface Case {
  name: string;
  tree: Tree;
  want: Partial<CoredumpConfig>;
  files: string[];
  diags?: [string, number, string, string][]; // file, line, level, message
}

const cases: Case[] = [
  { name: 'no files: defaults', tree: {}, want: {}, files: [] },
  {
    name: '/etc main file wins over the others',
    tree: {
      [ETC]: sec('Storage=none'),
      [RUN]: sec('Compress=no'),
      [LOCAL]: sec('MaxUse=1M'),
      [USR]: sec('KeepFree=1M'),
    },
    want: { storage: 'none' },
    files: [ETC],
  },
  {
    name: '/run when /etc has none',
    tree: { [RUN]: sec('Compress=no'), [USR]: sec('KeepFree=1M') },
    want: { compress: false },
    files: [RUN],
  },
  {
    name: '/usr/local/lib before /usr/lib',
    tree: { [LOCAL]: sec('MaxUse=1M'), [USR]: sec('KeepFree=1M') },
    want: { maxUse: M },
    files: [LOCAL],
  },
  {
    name: '/usr/lib last',
    tree: { [USR]: sec('KeepFree=1M') },
    want: { keepFree: M },
    files: [USR],
  },
  {
    name: 'drop-ins after the main file, sorted by name across dirs',
    tree: {
      [ETC]: sec('MaxUse=1M\nKeepFree=1M'),
      [D('usr/lib', '10-a.conf')]: sec('MaxUse=2M\nKeepFree=2M'),
      [D('etc', '20-b.conf')]: sec('MaxUse=3M'),
      [D('run', '15-c.conf')]: sec('KeepFree=4M'),
      [D('etc', 'README')]: sec('MaxUse=99M'),
      [D('etc', '.hidden.conf')]: sec('MaxUse=98M'),
    },
    want: { maxUse: 3 * M, keepFree: 4 * M },
    files: [ETC, D('usr/lib', '10-a.conf'), D('run', '15-c.conf'), D('etc', '20-b.conf')],
  },
  {
    name: 'same name: the higher directory masks the lower',
    tree: {
      [D('usr/lib', '50-x.conf')]: sec('Storage=journal'),
      [D('usr/local/lib', '50-x.conf')]: sec('Storage=none'),
      [D('run', '50-x.conf')]: sec('Compress=no'),
    },
    want: { compress: false },
    files: [D('run', '50-x.conf')],
  },
  {
    name: 'a symlink to /dev/null masks a drop-in',
    tree: {
      [D('usr/lib', '50-x.conf')]: sec('Storage=none'),
      [D('etc', '50-x.conf')]: { symlink: '/dev/null' },
      [D('usr/lib', '60-y.conf')]: sec('Compress=no'),
    },
    want: { compress: false },
    files: [D('usr/lib', '60-y.conf')],
  },
  {
    name: 'an empty drop-in masks too',
    tree: { [D('usr/lib', '50-x.conf')]: sec('Storage=none'), [D('etc', '50-x.conf')]: '' },
    want: {},
    files: [],
  },
  {
    name: 'a /dev/null main file is not read and does not fall through',
    tree: { [ETC]: { symlink: '/dev/null' }, [USR]: sec('Storage=none') },
    want: {},
    files: [],
  },
  {
    name: 'a main file that is a symlink to a drop-in is read once, as the drop-in',
    tree: {
      [ETC]: { symlink: 'coredump.conf.d/50-main.conf' },
      [D('etc', '50-main.conf')]: sec('MaxUse=1M'),
      [D('etc', '10-first.conf')]: sec('MaxUse=5M\nKeepFree=5M'),
    },
    want: { maxUse: M, keepFree: 5 * M },
    files: [D('etc', '10-first.conf'), D('etc', '50-main.conf')],
  },
  {
    name: 'bad values and unknown keys name file and line; parsing continues',
    tree: {
      [ETC]: '[Coredump]\nMaxUse=2M\nMaxUse=lots\nFoo=bar\n',
      [D('etc', '10-x.conf')]: '# header\n[Coredump]\n\nKeepFree=\n[Other]\n',
    },
    want: { maxUse: 2 * M },
    files: [ETC, D('etc', '10-x.conf')],
    diags: [
      [ETC, 3, 'warning', 'Failed to parse MaxUse=lots, ignoring assignment: Invalid argument'],
      [ETC, 4, 'warning', "Unknown key 'Foo' in section [Coredump], ignoring."],
      [
        D('etc', '10-x.conf'),
        4,
        'warning',
        'Failed to parse KeepFree=, ignoring assignment: Invalid argument',
      ],
      [D('etc', '10-x.conf'), 5, 'warning', "Unknown section 'Other'. Ignoring."],
    ],
  },
  {
    name: 'JournalSizeMax= is clamped after all files, warning with Storage=journal',
    tree: {
      [ETC]: sec('JournalSizeMax=1G'),
      [D('etc', '10-x.conf')]: sec('Storage=journal'),
    },
    want: { storage: 'journal', journalSizeMax: JOURNAL_SIZE_MAX },
    files: [ETC, D('etc', '10-x.conf')],
    diags: [
      [
        ETC,
        0,
        'warning',
        'JournalSizeMax= set to larger value (1.0G) than journald would accept (767.0M), lowering automatically.',
      ],
    ],
  },
  {
    name: 'the clamp is debug-level for other storage, and a drop-in can lower it first',
    tree: {
      [ETC]: sec('JournalSizeMax=2G'),
      [D('etc', '10-x.conf')]: sec('JournalSizeMax=900M'),
    },
    want: { journalSizeMax: JOURNAL_SIZE_MAX },
    files: [ETC, D('etc', '10-x.conf')],
    diags: [
      [
        D('etc', '10-x.conf'),
        0,
        'debug',
        'JournalSizeMax= set to larger value (900.0M) than journald would accept (767.0M), lowering automatically.',
      ],
    ],
  },
  {
    name: 'every key from a drop-in',
    tree: {
      [D('usr/lib', '99-all.conf')]: sec(
        [
          'Storage=journal',
          'Compress=no',
          'ProcessSizeMax=1G 512M',
          'ExternalSizeMax=infinity',
          'JournalSizeMax=100M',
          'MaxUse=0',
          'KeepFree=1.5G',
          'EnterNamespace=yes',
        ].join('\n'),
      ),
    },
    want: {
      storage: 'journal',
      compress: false,
      processSizeMax: 1.5 * G,
      externalSizeMax: Infinity,
      journalSizeMax: 100 * M,
      maxUse: 0,
      keepFree: 1.5 * G,
      enterNamespace: true,
    },
    files: [D('usr/lib', '99-all.conf')],
  },
];

describe('loadConfig', () => {
  it.for(cases)('$name', ({ tree, want, files, diags }) => {
    const root = makeTree(tree);
    const r = loadConfig({ root, fs });
    expect(r.config).toEqual({ ...DEFAULT_CONFIG, ...want });
    expect(r.files).toEqual(files.map((f) => join(root, f)));
    expect(r.diagnostics.map((d) => [d.file, d.line, d.level, d.message])).toEqual(
      (diags ?? []).map(([f, line, level, message]) => [join(root, f), line, level, message]),
    );
  });

  it.for([
    ['a symlink loop as a drop-in', { [D('etc', '10-loop.conf')]: { symlink: '10-loop.conf' } }],
    ['a directory as the main file', { [`${ETC}/x`]: 'not a file' }],
  ] as const)('reports %s as a diagnostic and does not throw', ([, tree]) => {
    const root = makeTree(tree);
    const r = loadConfig({ root, fs });
    expect(r.config).toEqual(DEFAULT_CONFIG);
    expect(r.files).toEqual([]);
    expect(r.diagnostics.length).toBe(1);
    expect(r.diagnostics[0]?.message).toMatch(/^Failed to open configuration file: /);
  });

  it('ignores a dangling drop-in symlink silently', () => {
    const root = makeTree({ [D('etc', '10-x.conf')]: { symlink: 'nowhere.conf' } });
    expect(loadConfig({ root, fs })).toEqual({
      config: DEFAULT_CONFIG,
      diagnostics: [],
      files: [],
    });
  });

  // Issue 15 item 7: a main file that never ends or never opens held every crash.
  it('a main file that is a symlink to /dev/zero is not read; the drop-ins still are', () => {
    const root = makeTree({
      [ETC]: { symlink: '/dev/zero' },
      [D('etc', '10-x.conf')]: sec('Compress=no'),
    });
    const r = loadConfig({ root, fs });
    expect(r.config).toEqual({ ...DEFAULT_CONFIG, compress: false });
    expect(r.files).toEqual([join(root, D('etc', '10-x.conf'))]);
  });

  it('a FIFO as the main file is refused without waiting for a writer', () => {
    const root = makeTree({ [ETC]: { fifo: true }, [D('etc', '10-x.conf')]: sec('MaxUse=1M') });
    const r = loadConfig({ root, fs });
    expect(r.config).toEqual({ ...DEFAULT_CONFIG, maxUse: M });
    expect(r.diagnostics.map((d) => [d.file, d.message])).toEqual([
      [
        join(root, ETC),
        `Failed to open configuration file: ${join(root, ETC)}: Not a regular file`,
      ],
    ]);
  });

  it('a FIFO drop-in is skipped, as systemd skips any drop-in that is not a regular file', () => {
    const root = makeTree({ [D('etc', '10-x.conf')]: { fifo: true } });
    expect(loadConfig({ root, fs })).toEqual({
      config: DEFAULT_CONFIG,
      diagnostics: [],
      files: [],
    });
  });

  it('a file larger than CONFIG_FILE_MAX_BYTES is refused, the next ones are read', () => {
    const big = `${sec('Storage=none')}${'#'.repeat(1000)}\n`.repeat(
      Math.ceil(CONFIG_FILE_MAX_BYTES / 1000),
    );
    const root = makeTree({ [ETC]: big, [D('etc', '10-x.conf')]: sec('Compress=no') });
    const r = loadConfig({ root, fs });
    expect(r.config).toEqual({ ...DEFAULT_CONFIG, compress: false });
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]?.message).toMatch(/^Failed to open configuration file: .*larger than/);
  });

  it('a file of exactly CONFIG_FILE_MAX_BYTES is read', () => {
    const head = sec('Storage=none');
    const text = head + '#'.repeat(CONFIG_FILE_MAX_BYTES - head.length - 1) + '\n';
    const root = makeTree({ [ETC]: text });
    expect(loadConfig({ root, fs }).config.storage).toBe('none');
  });
});
