// submitCrash as the handler calls it in-process (PID 1, journald, socket
// unreachable): the same pipeline, driven directly with a pipe, as root
// without dropping privileges (the test process must stay root).
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { DEFAULT_CONFIG, type CoredumpConfig } from '@coredump-ts/config';
import { contextFromDatagrams } from '@coredump-ts/context';
import { close, pipe } from '@coredump-ts/unix';
import { submitCrash, type Log } from '@coredump-ts/pipeline';
import { afterAll, describe, expect, it } from 'vitest';

import { useTestJournal } from './support/test-journal.js';
import {
  crashDatagrams,
  feedFromChild,
  makeSandbox,
  newTestId,
  onlyFile,
  type Sandbox,
} from './worker-helpers.js';

const journal = useTestJournal();
const sandboxes: Sandbox[] = [];
afterAll(() => {
  for (const s of sandboxes) rmSync(s.root, { recursive: true, force: true });
});

function recordingLog(): Log & { lines: string[] } {
  const lines: string[] = [];
  const at =
    (level: string) =>
    (msg: string): void => {
      lines.push(`${level}: ${msg}`);
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

async function submit(config: Partial<CoredumpConfig>, unit: string, data: Buffer) {
  const s = makeSandbox('worker-submit-');
  sandboxes.push(s);
  const testId = newTestId();
  const datagrams = crashDatagrams({ testId }).map((d) =>
    d.toString('latin1') === 'COREDUMP_UNIT=' ? Buffer.from(`COREDUMP_UNIT=${unit}`) : d,
  );
  const ctx = contextFromDatagrams(datagrams, { pidfdReceived: false });
  const [r, w] = pipe();
  const log = recordingLog();
  try {
    // The writer starts first and lives in its own process: submitCrash drains
    // the pipe synchronously, as it does for the kernel's pipe in the handler.
    const fed = feedFromChild(w, data, s.root);
    const [result] = await Promise.all([
      submitCrash(ctx, r, {
        config: { ...DEFAULT_CONFIG, ...config },
        paths: {
          storageDir: s.storage,
          configRoot: s.configRoot,
          journalSocket: journal.socketPath,
          procRoot: '/proc',
          bootIdFile: '/proc/sys/kernel/random/boot_id',
          debuginfoCacheDir: join(s.root, 'debuginfo'),
          debugRoot: '/usr/lib/debug',
        },
        log,
        dropPrivileges: false,
      }),
      fed,
    ]);
    return { s, testId, result, log };
  } finally {
    close(r);
  }
}

describe('submitCrash in-process', () => {
  it('journald crash with Storage=journal: the file is kept anyway and MESSAGE says where', async () => {
    const data = Buffer.from('not really a core\n'.repeat(100));
    const { s, testId, result, log } = await submit(
      { storage: 'journal' },
      'systemd-journald.service',
      data,
    );
    const name = onlyFile(readdirSync(s.storage));
    const path = join(s.storage, name);
    expect(result.error).toBeUndefined();
    expect(result.filename).toBe(path);
    expect(result.message).toBe(
      `Process 4242 (sleeper) of user 1000 dumped core.\nCoredump diverted to ${path}`,
    );
    expect(log.lines).toContain('info: No auxv data, not adjusting permissions.');
    const [entry] = await journal.waitFor([`COREDUMP_TS_TEST_ID=${testId}`]);
    expect(entry?.['MESSAGE']).toBe(result.message);
    expect(entry?.['COREDUMP_FILENAME']).toBe(path);
  });

  it('PID 1 with ExternalSizeMax= below the size: kept anyway (v262)', async () => {
    const { s, result } = await submit(
      { externalSizeMax: 1 },
      'init.scope',
      Buffer.alloc(100_000, 7),
    );
    expect(onlyFile(readdirSync(s.storage))).toMatch(/\.zst$/);
    expect(result.written).toBe(true);
  });

  it('any other unit with ExternalSizeMax= below the size: not kept', async () => {
    const { s, result, log } = await submit(
      { externalSizeMax: 1 },
      'foo.service',
      Buffer.alloc(100_000, 7),
    );
    expect(readdirSync(s.storage)).toEqual([]);
    expect(result.filename).toBeUndefined();
    expect(log.lines.some((l) => l.startsWith('info: The core will not be stored: size '))).toBe(
      true,
    );
  });
});
