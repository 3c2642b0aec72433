// Proves the suite really goes through the kernel: core_pattern pipes a real
// crash into a helper we wrote, and what arrives is the crashed process's ELF
// core. Also checks that each crash fixture dies the way the other tests rely on.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compileCrasher,
  startCrasher,
  type CrasherName,
  type CrasherOptions,
} from './support/crashers.js';
import { countCoreThreads, ELF_MAGIC, ET_CORE, isElfCore } from './support/elf.js';
import { readKernelSettings, withKernelSettings } from './support/kernel.js';
import { waitFor } from './support/wait.js';

const NOBODY = 65534;

// The kernel runs this as root with an almost empty environment. It records
// its arguments, then the core under a temporary name, renamed when complete.
const CAPTURE_SCRIPT = `#!/bin/sh
d=\${0%/*}
echo "$*" > "$d/args.$1"
cat > "$d/core.$1.partial" && mv "$d/core.$1.partial" "$d/core.$1"
`;

interface Captured {
  core: Buffer;
  /** The helper's argv: %p %u %s %d */
  args: string[];
  signal: NodeJS.Signals | null;
  stdout: string;
}

describe('the kernel core_pattern pipe', () => {
  let dir: string;
  let corePattern: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'coredump-ts-kpath-'));
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'capture'), CAPTURE_SCRIPT, { mode: 0o755 });
    corePattern = `|${join(dir, 'capture')} %p %u %s %d`;
    expect(corePattern.length).toBeLessThan(128);
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  async function crash(
    name: CrasherName,
    args: string[] = [],
    options: CrasherOptions = {},
    settings: { suidDumpable?: string } = {},
  ): Promise<Captured> {
    const binary = await compileCrasher(name);
    return withKernelSettings({ corePattern, ...settings }, async () => {
      expect(readKernelSettings().corePattern).toBe(corePattern);
      const running = startCrasher(binary, args, options);
      if (name === 'sleeper') {
        await running.output('pid=');
        running.kill('SIGQUIT');
      }
      const exit = await running.exited;
      const path = join(dir, `core.${exit.pid}`);
      const core = await waitFor(
        () => {
          try {
            return readFileSync(path);
          } catch {
            return undefined;
          }
        },
        { what: `the pipe helper to write ${path}`, timeoutMs: 30_000 },
      );
      const helperArgs = readFileSync(join(dir, `args.${exit.pid}`), 'utf8')
        .trim()
        .split(' ');
      expect(helperArgs[0]).toBe(String(exit.pid));
      return { core, args: helperArgs, signal: exit.signal, stdout: exit.stdout };
    });
  }

  it('hands a crashing process an ELF core to the pipe helper', async () => {
    const before = readKernelSettings();
    const { core, args, signal } = await crash('segv');

    expect(signal).toBe('SIGSEGV');
    expect(args.slice(1)).toEqual(['0', '11', '1']);
    expect(core.subarray(0, 4)).toEqual(ELF_MAGIC);
    // e_type, at offset 16, in the file's byte order (EI_DATA: 1 little, 2 big endian).
    const eType = core[5] === 2 ? core.readUInt16BE(16) : core.readUInt16LE(16);
    expect(eType).toBe(ET_CORE);
    expect(isElfCore(core)).toBe(true);
    expect(countCoreThreads(core)).toBe(1);
    // The NT_PRPSINFO note names the program.
    expect(core.includes(Buffer.from('segv\0'))).toBe(true);
    expect(readKernelSettings()).toEqual(before);
  });

  it.for([
    { name: 'abort', signal: 'SIGABRT', number: '6' },
    { name: 'sigbus', signal: 'SIGBUS', number: '7' },
    { name: 'sigfpe', signal: 'SIGFPE', number: '8' },
    { name: 'threads', signal: 'SIGSEGV', number: '11' },
    { name: 'sleeper', signal: 'SIGQUIT', number: '3' },
  ] as const)('crash fixture $name dies of $signal', async ({ name, signal, number }) => {
    const captured = await crash(name);
    expect(captured.signal).toBe(signal);
    expect(captured.args.slice(1)).toEqual(['0', number, '1']);
    expect(isElfCore(captured.core)).toBe(true);
    if (name === 'threads') {
      // The crashing thread is not the main thread, and carries its prctl name.
      const match = /pid=(\d+) tid=(\d+)/.exec(captured.stdout);
      expect(match?.[2]).toBeDefined();
      expect(match?.[2]).not.toBe(match?.[1]);
      expect(countCoreThreads(captured.core)).toBe(4);
    }
  });

  it('runs a crasher as another user', async () => {
    const { args, signal } = await crash('segv', [], { uid: NOBODY });
    expect(signal).toBe('SIGSEGV');
    expect(args.slice(1)).toEqual([String(NOBODY), '11', '1']);
  });

  it('dumps a process that dropped root with dump mode 2 when suid_dumpable=2', async () => {
    const { args, signal, stdout } = await crash(
      'setuid-drop',
      [String(NOBODY)],
      {},
      {
        suidDumpable: '2',
      },
    );
    expect(stdout).toContain(`uid=${NOBODY} dumpable=2`);
    expect(signal).toBe('SIGSEGV');
    expect(args.slice(1)).toEqual([String(NOBODY), '11', '2']);
  });

  it('dumps the memory the alloc fixture filled', async () => {
    const { core, signal } = await crash('alloc', ['8', 'touch']);
    expect(signal).toBe('SIGSEGV');
    expect(isElfCore(core)).toBe(true);
    expect(core.length).toBeGreaterThan(8 * 1024 * 1024);
  });

  it('puts the previous settings back when the body throws', async () => {
    const before = readKernelSettings();
    await expect(
      withKernelSettings({ corePattern: `${corePattern} %e` }, () =>
        Promise.reject(new Error('body failed')),
      ),
    ).rejects.toThrow('body failed');
    expect(readKernelSettings()).toEqual(before);
  });
});
