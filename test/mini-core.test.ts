// The mini core on real kernel cores: each test program is crashed by the kernel, the full
// core is fed to the builder in chunks of random sizes (1 byte up to 1 MiB) through one
// reused read buffer, as the worker does, and the mini core must give the same stacks
// as the full core to eu-stack (libdw) and to gdb.
//
// readMemory stands in for /proc/PID/mem of the crashed process: it reads the ORIGINAL
// full core's PT_LOAD data at the address, which is what /proc/PID/mem returns for the
// memory the kernel dumped (the link_map chain lives in dumped, written memory).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  createMiniCoreBuilder,
  ELF_INPUT_ERROR_CODES,
  readCoreNotes,
  type MiniCoreResult,
} from '@coredump-ts/elf';

import { coreLoads } from './support/elf.js';
import {
  buildMiniCorePrograms,
  dumpCores,
  euStack,
  framesByThread,
  gdbBacktrace,
  type CrashProgram,
} from './support/mini-core.js';

const MiB = 1 << 20;

/** A small deterministic PRNG (xorshift32), so a failing chunk plan can be replayed. */
function rng(seed: number): () => number {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

/** Feed `core` in chunks of random sizes through one reused buffer, scribbled after each call. */
function buildMiniCore(
  core: Buffer,
  seed: number,
  readMemory?: (a: bigint, n: number) => Buffer | undefined,
): MiniCoreResult {
  const builder = createMiniCoreBuilder();
  const readBuffer = Buffer.alloc(MiB);
  const random = rng(seed);
  for (let offset = 0; offset < core.length;) {
    const pick = random();
    const size =
      pick < 0.15
        ? 1
        : pick < 0.3
          ? MiB
          : pick < 0.6
            ? 1 + Math.floor(random() * 4096)
            : 1 + Math.floor(random() * MiB);
    const n = Math.min(size, core.length - offset);
    core.copy(readBuffer, 0, offset, offset + n);
    builder.observe(readBuffer.subarray(0, n), offset);
    readBuffer.fill(0xaa, 0, n);
    offset += n;
  }
  builder.end({ bytes: core.length, truncated: false });
  return builder.finish(readMemory);
}

/** /proc/PID/mem as the crashed process would answer it: the full core's dumped memory. */
function memoryOf(core: Buffer): (address: bigint, length: number) => Buffer | undefined {
  const loads = coreLoads(core);
  return (address, length) => {
    const s = loads.find(
      (l) => address >= l.vaddr && address + BigInt(length) <= l.vaddr + BigInt(l.size),
    );
    if (s === undefined) return undefined;
    const from = s.offset + Number(address - s.vaddr);
    return Buffer.from(core.subarray(from, from + length));
  };
}

let dir: string;
let programs: CrashProgram[];
let cores: Map<string, string>;
const sizes: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mini-core-'));
  programs = await buildMiniCorePrograms();
  cores = await dumpCores(programs, dir);
}, 300_000);

afterAll(() => {
  if (sizes.length > 0) console.log(`mini core sizes:\n${sizes.join('\n')}`);
  // MINI_CORE_KEEP=1 keeps the cores for a look with eu-stack or gdb.
  if (process.env.MINI_CORE_KEEP === '1') console.log(`cores kept in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
});

/** The named program's full core and its mini core (written to a file), with readMemory. */
function miniCoreOf(name: string) {
  const program = programs.find((p) => p.name === name);
  const corePath = cores.get(name);
  if (program === undefined || corePath === undefined) throw new Error(`no core for ${name}`);
  const full = readFileSync(corePath);
  const seed = Array.from(Buffer.from(name)).reduce((h, c) => (h * 31 + c) >>> 0, 7);
  const result = buildMiniCore(full, seed, memoryOf(full));
  if (!result.ok) throw new Error(`${name}: ${result.code}: ${result.reason}`);
  const mini = join(dir, `mini.${name}`);
  writeFileSync(mini, result.core);
  return { exe: program.exe, corePath, full, seed, result, mini };
}

describe('mini core from a real kernel core', () => {
  it.for([
    'chain',
    'threads',
    'recurse',
    'shared-lib',
    'heap-256m',
    'dlopen',
    'soname',
    'altstack',
    'altstack-inside',
  ])('%s: eu-stack and gdb see the same stacks as on the full core', async (name) => {
    const { exe, corePath, full, seed, result, mini } = miniCoreOf(name);
    expect(result.info.linkMap.error).toBeUndefined();
    expect(result.info.linkMap.entries).toBeGreaterThan(1);

    const fullNotes = readCoreNotes(full);
    const miniNotes = readCoreNotes(result.core);
    if (!fullNotes.ok || !miniNotes.ok) throw new Error('notes unreadable');
    expect(miniNotes.signal).toBe(11);
    expect(miniNotes.threads).toEqual(fullNotes.threads);
    expect(result.info.signal).toBe(11);

    const [fullStack, miniStack] = await Promise.all([euStack(corePath, exe), euStack(mini, exe)]);
    expect(fullStack.split('\n').filter((l) => l.startsWith('#')).length).toBeGreaterThan(2);
    expect(miniStack).toBe(fullStack);

    const [fullBt, miniBt] = await Promise.all([
      gdbBacktrace(corePath, exe),
      gdbBacktrace(mini, exe),
    ]);
    expect(fullBt).toMatch(/^#0 /m);
    expect(miniBt).toBe(fullBt);

    // Without the process (no readMemory) libdw still finds every frame: same pcs and symbols.
    const alone = buildMiniCore(full, seed + 1);
    if (!alone.ok) throw new Error(`${alone.code}: ${alone.reason}`);
    const aloneMini = join(dir, `mini-alone.${name}`);
    writeFileSync(aloneMini, alone.core);
    const frames = (text: string): string[] =>
      text
        .split('\n')
        .filter((l) => l.startsWith('#'))
        .map((l) => l.replace(/ - .*$/, ''));
    expect(frames(await euStack(aloneMini, exe))).toEqual(frames(fullStack));

    // Dumped inside the handler: the main stack is reached through the signal frame only.
    if (name === 'altstack-inside') {
      expect(result.info.signalFrames).toBe(1);
      expect(miniStack).toMatch(/ caller - mc-altstack\n/);
    }

    sizes.push(
      `${name}: full ${full.length} B, mini ${result.core.length} B (without link_map ${alone.core.length} B), ` +
        `${result.info.threads} threads, ${result.info.segments} segments, link_map ${result.info.linkMap.entries} entries/${result.info.linkMap.pages} pages, signal frames ${result.info.signalFrames}`,
    );
  });
});

describe('mini core of a stack overflow', () => {
  it('keeps the stack window when SP-128 is below the stack mapping', async () => {
    const { exe, corePath, full, result, mini } = miniCoreOf('overflow');
    // eu-stack shows at most 256 frames, gdb is asked for 64: both within the 1 MiB window.
    const [fullStack, miniStack] = await Promise.all([euStack(corePath, exe), euStack(mini, exe)]);
    expect(fullStack.split('\n').filter((l) => l.includes(' overflow - ')).length).toBeGreaterThan(
      200,
    );
    expect(miniStack).toBe(fullStack);
    const [fullBt, miniBt] = await Promise.all([
      gdbBacktrace(corePath, exe, 64),
      gdbBacktrace(mini, exe, 64),
    ]);
    expect(fullBt).toMatch(/^#63 /m);
    expect(miniBt).toBe(fullBt);
    sizes.push(`overflow: full ${full.length} B, mini ${result.core.length} B`);
  });
});

describe('mini core of a 70-thread crash', () => {
  it('keeps the first 64 threads, whose stacks eu-stack and gdb read as on the full core', async () => {
    const { exe, corePath, full, result, mini } = miniCoreOf('threads70');
    expect(result.info).toMatchObject({ threads: 64, threadsInCore: 70, signal: 11 });
    const fullNotes = readCoreNotes(full);
    const miniNotes = readCoreNotes(result.core);
    if (!fullNotes.ok || !miniNotes.ok) throw new Error('notes unreadable');
    // The crashing thread is first in both; readCoreNotes reads at most 64 threads too.
    expect(miniNotes.threads).toEqual(fullNotes.threads.slice(0, 64));

    for (const tool of [euStack, gdbBacktrace]) {
      const [fullText, miniText] = await Promise.all([tool(corePath, exe), tool(mini, exe)]);
      const fullThreads = framesByThread(fullText);
      const miniThreads = framesByThread(miniText);
      expect(fullThreads.size).toBe(70);
      expect(miniThreads.size).toBe(64);
      for (const [tid, frames] of miniThreads) {
        expect(frames.length).toBeGreaterThan(0);
        expect(frames).toBe(fullThreads.get(tid));
      }
    }
    sizes.push(
      `threads70: full ${full.length} B, mini ${result.core.length} B, 64 of 70 threads, ${result.info.segments} segments`,
    );
  });
});

describe('mini core from a damaged real core', () => {
  it('keeps what arrived of a truncated core (ProcessSizeMax)', () => {
    const full = readFileSync(cores.get('threads') ?? '');
    const notesEnd = Number(full.readBigUInt64LE(64 + 8)) + Number(full.readBigUInt64LE(64 + 32));
    for (const cut of [10, 64, 200, notesEnd - 1, notesEnd, notesEnd + 4096, full.length >> 1]) {
      const builder = createMiniCoreBuilder();
      builder.observe(full.subarray(0, cut), 0);
      builder.end({ bytes: cut, truncated: true });
      const result = builder.finish();
      if (cut < notesEnd - 4000) {
        expect(result.ok).toBe(false);
        continue;
      }
      if (!result.ok) throw new Error(`${cut}: ${result.code} ${result.reason}`);
      expect(result.info).toMatchObject({ truncated: true, signal: 11, coreBytes: cut });
      // All five threads' notes (four in pause(), main) arrived only when the notes did.
      if (cut >= notesEnd) expect(result.info.threads).toBe(5);
      expect(readCoreNotes(result.core).ok).toBe(true);
    }
  });

  it('mutated header, program header and note fields give a coded result, never an exception', () => {
    const base = readFileSync(cores.get('chain') ?? '');
    const notesAt = Number(base.readBigUInt64LE(64 + 8));
    const phnum = base.readUInt16LE(56);
    const fields = [16, 18, 32, 40, 54, 56, 58, 60];
    for (let i = 0; i < Math.min(phnum, 40); i++) {
      for (const f of [0, 4, 8, 16, 32, 40]) fields.push(64 + i * 56 + f);
    }
    for (let at = notesAt; at < notesAt + 6000; at += 4) fields.push(at);
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            at: fc.constantFrom(...fields),
            value: fc.oneof(
              fc.constantFrom(0n, 1n, 0xffffn, 0xffffffffn, (1n << 64n) - 1n),
              fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
            ),
            width: fc.constantFrom(2, 4, 8),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        fc.integer({ min: 1, max: 2 * MiB }),
        fc.integer({ min: 0, max: 1000 }),
        (mutations, chunk, seed) => {
          const core = Buffer.from(base);
          for (const m of mutations) {
            const v = m.value & ((1n << BigInt(m.width * 8)) - 1n);
            if (m.width === 8) core.writeBigUInt64LE(v, m.at);
            else if (m.width === 4) core.writeUInt32LE(Number(v), m.at);
            else core.writeUInt16LE(Number(v), m.at);
          }
          const builder = createMiniCoreBuilder();
          const cut = seed % 2 === 0 ? core.length : Math.floor((core.length * seed) / 1000);
          for (let at = 0; at < cut; at += chunk)
            builder.observe(core.subarray(at, Math.min(cut, at + chunk)), at);
          builder.end({ bytes: cut, truncated: cut < core.length });
          const result = builder.finish(memoryOf(base));
          if (result.ok) expect(result.core.length).toBeLessThan(64 * MiB);
          else expect(ELF_INPUT_ERROR_CODES).toContain(result.code);
        },
      ),
      { numRuns: 150 },
    );
  });
});
