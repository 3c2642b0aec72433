// The mini-core builder on synthetic cores made with the writer (pure logic; the real
// kernel's cores are in test/mini-core.test.ts): what is kept, what is left out, chunking,
// truncation, PN_XNUM on input and output, the link_map walk, and fuzzed input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { coreLoads } from '../../../test/support/elf.js';
import { ELF_INPUT_ERROR_CODES } from './core-layout.js';
import { PAGE_SIZE, PF_R, PF_W, PF_X } from './format.js';
import {
  createMiniCoreBuilder,
  type MiniCoreOptions,
  type MiniCoreResult,
  type ReadMemory,
} from './mini-core.js';
import type { CoreNote } from './notes.js';
import { readCoreNotes } from './read-notes.js';
import { writeCore, type MemoryRange } from './write-core.js';

const EXE = 0x555500000000n;
const HEAP = 0x555600000000n;
const STACK = 0x7ffd00000000n;
const VDSO = 0x7fff00000000n;

/** Memory whose every 8-byte word holds its own address: easy to check after a copy. */
function memory(address: bigint, size: number): Buffer {
  const buf = Buffer.alloc(size);
  for (let at = 0; at + 8 <= size; at += 8) buf.writeBigUInt64LE(address + BigInt(at), at);
  return buf;
}

function range(address: bigint, size: number, flags = PF_R | PF_W): MemoryRange {
  return { address, flags, parts: [memory(address, size)], size };
}

function prstatus(tid: number, sp: bigint, pc: bigint, cursig = 11): CoreNote {
  const desc = Buffer.alloc(336);
  desc.writeUInt16LE(cursig, 12);
  desc.writeInt32LE(tid, 32);
  desc.writeBigUInt64LE(pc, 240);
  desc.writeBigUInt64LE(sp, 264);
  return { name: 'CORE', type: 1, desc };
}

function auxv(pairs: [bigint, bigint][]): CoreNote {
  const desc = Buffer.alloc((pairs.length + 1) * 16);
  pairs.forEach(([k, v], i) => {
    desc.writeBigUInt64LE(k, i * 16);
    desc.writeBigUInt64LE(v, i * 16 + 8);
  });
  return { name: 'CORE', type: 6, desc };
}

function fileNote(files: { start: bigint; end: bigint; page: bigint; path: string }[]): CoreNote {
  const head = Buffer.alloc(16 + files.length * 24);
  head.writeBigUInt64LE(BigInt(files.length), 0);
  head.writeBigUInt64LE(BigInt(PAGE_SIZE), 8);
  files.forEach((f, i) => {
    head.writeBigUInt64LE(f.start, 16 + i * 24);
    head.writeBigUInt64LE(f.end, 24 + i * 24);
    head.writeBigUInt64LE(f.page, 32 + i * 24);
  });
  const names = Buffer.from(files.map((f) => `${f.path}\0`).join(''));
  return { name: 'CORE', type: 0x46494c45, desc: Buffer.concat([head, names]) };
}

function siginfo(signo: number): CoreNote {
  const desc = Buffer.alloc(128);
  desc.writeInt32LE(signo, 0);
  return { name: 'CORE', type: 0x53494749, desc };
}

const fpregs = (): CoreNote => ({ name: 'CORE', type: 2, desc: Buffer.alloc(512, 1) });

interface Synthetic {
  threads?: number;
  extraLoads?: number;
}

/** A core in the kernel's layout: two threads by default, an exe, a 1 MiB heap, a stack, a vdso. */
function syntheticCore({ threads = 2, extraLoads = 0 }: Synthetic = {}): Buffer {
  const notes: CoreNote[] = [];
  for (let t = 0; t < threads; t++) {
    notes.push(prstatus(100 + t, STACK + 0x10000n - BigInt(t) * 0x4000n - 0x200n, EXE + 0x1234n));
    if (t === 0) {
      notes.push(siginfo(11));
      notes.push(
        auxv([
          [33n, VDSO],
          [3n, EXE + 64n],
          [4n, 56n],
          [5n, 4n],
        ]),
      );
      notes.push(
        fileNote([
          { start: EXE, end: EXE + 0x1000n, page: 0n, path: '/usr/bin/x' },
          { start: EXE + 0x1000n, end: EXE + 0x2000n, page: 1n, path: '/usr/bin/x' },
        ]),
      );
    }
    notes.push(fpregs());
  }
  const ranges: MemoryRange[] = [
    range(EXE, 0x1000, PF_R),
    range(EXE + 0x1000n, 0x1000, PF_R | PF_X),
    range(HEAP, 1 << 20),
    range(STACK, 0x11000),
    range(VDSO, 0x2000, PF_R | PF_X),
  ];
  for (let i = 0; i < extraLoads; i++)
    ranges.push({
      address: 0x7f0000000000n + BigInt(i) * 0x2000n,
      flags: PF_R,
      parts: [],
      size: 0,
    });
  ranges.sort((a, b) => (a.address < b.address ? -1 : 1));
  return writeCore({ osabi: 0, machine: 62, flags: 0, notes, ranges });
}

function feed(
  core: Buffer,
  chunk: number,
  readMemory?: ReadMemory,
  truncateAt = core.length,
  options: MiniCoreOptions = {},
): MiniCoreResult {
  const builder = createMiniCoreBuilder(options);
  const scratch = Buffer.alloc(chunk);
  for (let at = 0; at < truncateAt; at += chunk) {
    const n = Math.min(chunk, truncateAt - at);
    core.copy(scratch, 0, at, at + n);
    builder.observe(scratch.subarray(0, n), at);
    scratch.fill(0xee);
  }
  builder.end({ bytes: truncateAt, truncated: truncateAt < core.length });
  return builder.finish(readMemory);
}

describe('createMiniCoreBuilder', () => {
  it.for([1, 7, 4096, 65536, 1 << 20])(
    'keeps the same mini core whatever the chunk size (%i)',
    (chunk) => {
      const core = syntheticCore();
      const reference = feed(core, 1 << 20);
      const result = feed(core, chunk);
      if (!result.ok || !reference.ok) throw new Error('no mini core');
      expect(result.core.equals(reference.core)).toBe(true);
    },
  );

  it('keeps stacks, the first file page, exe headers and vdso; leaves the heap out', () => {
    const result = feed(syntheticCore(), 4096);
    if (!result.ok) throw new Error(result.reason);
    const segs = coreLoads(result.core);
    for (const s of segs) {
      expect(BigInt(s.offset) % 4096n).toBe(s.vaddr % 4096n);
      // Each kept byte is the original memory: words hold their own address.
      const data = result.core.subarray(s.offset, s.offset + s.size);
      expect(data.equals(memory(s.vaddr, s.size))).toBe(true);
    }
    expect(segs.map((s) => [s.vaddr, s.size])).toEqual([
      [EXE, 0x1000],
      // Thread 0: SP-128 page-aligned is STACK+0xf000; clipped at the segment end.
      // Thread 1 (SP 0x4000 lower) reaches down to STACK+0xb000: merged into one range.
      [STACK + 0xb000n, 0x6000],
      [VDSO, 0x2000],
    ]);
    expect(result.info).toMatchObject({ threads: 2, threadsInCore: 2, signal: 11, segments: 3 });
    expect(result.info.linkMap.error).toBe('no readMemory');
  });

  it('keeps the notes of the first 64 threads only', () => {
    const result = feed(syntheticCore({ threads: 70 }), 65536);
    if (!result.ok) throw new Error(result.reason);
    expect(result.info).toMatchObject({ threads: 64, threadsInCore: 70 });
    const notes = readCoreNotes(result.core);
    if (!notes.ok) throw new Error(notes.reason);
    expect(notes.threads.map((t) => t.tid)).toEqual(Array.from({ length: 64 }, (_, i) => 100 + i));
  });

  it('keeps 64 full stack windows, and spends a smaller budget on the crashing thread first', () => {
    const notes: CoreNote[] = [];
    const ranges: MemoryRange[] = [];
    for (let t = 0; t < 64; t++) {
      const base = 0x7e0000000000n + BigInt(t) * 0x1000000n;
      const size = (t === 0 ? 1 << 20 : 256 << 10) + PAGE_SIZE;
      notes.push(prstatus(100 + t, base + 0x1000n + 128n, 0n));
      ranges.push(range(base, size));
    }
    const core = writeCore({ osabi: 0, machine: 62, flags: 0, notes, ranges });
    const all = feed(core, 1 << 20);
    if (!all.ok) throw new Error(all.reason);
    expect(all.info).toMatchObject({ threads: 64, memoryBytes: (1 << 20) + 63 * (256 << 10) });
    const small = feed(core, 1 << 20, undefined, core.length, { maxKeptBytes: 2 << 20 });
    if (!small.ok) throw new Error(small.reason);
    expect(small.info).toMatchObject({ threads: 64, memoryBytes: 2 << 20 });
    expect(coreLoads(small.core)[0]).toMatchObject({ vaddr: 0x7e0000001000n, size: 1 << 20 });
  });

  it('reads and writes more than 65535 program headers (PN_XNUM)', () => {
    const core = syntheticCore({ extraLoads: 70_000 });
    expect(core.readUInt16LE(56)).toBe(0xffff);
    const result = feed(core, 1 << 20);
    if (!result.ok) throw new Error(result.reason);
    expect(result.info.segments).toBe(3);
    const notes = readCoreNotes(core);
    if (!notes.ok) throw new Error(notes.reason);
    expect(notes.signal).toBe(11);
    // Output: 70,000 pages read through readMemory become 70,000 segments.
    const many = writeCore({
      osabi: 0,
      machine: 62,
      flags: 0,
      notes: [prstatus(1, 0n, 0n)],
      ranges: Array.from({ length: 70_000 }, (_, i) => range(0x10000000n + BigInt(i) * 0x2000n, 8)),
    });
    expect(many.readUInt16LE(56)).toBe(0xffff);
    expect(coreLoads(many)).toHaveLength(70_000);
    const again = feed(many, 1 << 20);
    if (!again.ok) throw new Error(again.reason);
    expect(readCoreNotes(many)).toMatchObject({ ok: true, threads: [{ tid: 1 }] });
  });

  it('keeps what arrived of a truncated core', () => {
    const core = syntheticCore();
    const stack = coreLoads(core).find((s) => s.vaddr === STACK);
    if (stack === undefined) throw new Error('no stack');
    const result = feed(core, 3000, undefined, stack.offset + 0xc000);
    if (!result.ok) throw new Error(result.reason);
    expect(result.info.truncated).toBe(true);
    expect(coreLoads(result.core).map((s) => [s.vaddr, s.size])).toEqual([
      [EXE, 0x1000],
      [STACK + 0xb000n, 0x1000],
    ]);
  });

  it('walks r_debug -> link_map through readMemory and keeps the pages it read', () => {
    const core = syntheticCore();
    // The exe's phdrs at EXE+64: PT_PHDR (vaddr 64) and PT_DYNAMIC at vaddr 0x3000.
    const pages = new Map<bigint, Buffer>();
    const page = (a: bigint): Buffer => {
      const key = a - (a % 4096n);
      let p = pages.get(key);
      if (p === undefined) pages.set(key, (p = Buffer.alloc(4096)));
      return p;
    };
    const put = (a: bigint, v: bigint): void => {
      page(a).writeBigUInt64LE(v, Number(a % 4096n));
    };
    const phdrs = EXE + 64n;
    page(phdrs).writeUInt32LE(6, 64);
    put(phdrs + 16n, 64n);
    page(phdrs).writeUInt32LE(2, 64 + 56);
    put(phdrs + 56n + 16n, 0x3000n);
    put(phdrs + 56n + 40n, 64n);
    const rDebug = 0x7f0000100000n;
    put(EXE + 0x3000n, 1n); // DT_NEEDED
    put(EXE + 0x3010n, 21n); // DT_DEBUG
    put(EXE + 0x3018n, rDebug);
    page(rDebug).writeInt32LE(1, 0);
    const lm = [0x7f0000200000n, 0x7f0000200100n, 0x7f0000300000n];
    put(rDebug + 8n, lm[0] ?? 0n);
    lm.forEach((at, i) => {
      put(at + 8n, at + 0x80n);
      page(at + 0x80n).write(`/lib/l${i}.so\0`, Number((at + 0x80n) % 4096n));
      put(at + 24n, lm[i + 1] ?? 0n);
    });
    const readMemory: ReadMemory = (a, n) => {
      const p = pages.get(a);
      return p === undefined ? undefined : Buffer.from(p.subarray(0, n));
    };
    const result = feed(core, 4096, readMemory);
    if (!result.ok) throw new Error(result.reason);
    expect(result.info.linkMap).toEqual({ entries: 3, pages: 5, error: undefined });
    const kept = coreLoads(result.core).map((s) => s.vaddr);
    for (const p of [rDebug, 0x7f0000200000n, 0x7f0000300000n, EXE + 0x3000n])
      expect(kept).toContain(p);

    // A cycle in the chain stops the walk with a reason.
    put((lm[2] ?? 0n) + 24n, lm[0] ?? 0n);
    const cyclic = feed(core, 4096, readMemory);
    if (!cyclic.ok) throw new Error(cyclic.reason);
    expect(cyclic.info.linkMap).toMatchObject({
      entries: 3,
      error: 'the link_map chain has a cycle',
    });
  });

  it.for([
    ['not ELF', Buffer.alloc(100), 'ELF_NOT_CORE'],
    ['empty', Buffer.alloc(0), 'ELF_SHORT'],
    ['header only', syntheticCore().subarray(0, 64), 'ELF_SHORT'],
  ] as const)('refuses %s with a code', ([, core, code]) => {
    expect(feed(core, 100)).toMatchObject({ ok: false, code });
  });

  it('refuses chunks out of order and finish before end', () => {
    const builder = createMiniCoreBuilder();
    expect(builder.finish()).toMatchObject({ ok: false, code: 'ELF_NOT_ENDED' });
    builder.observe(Buffer.alloc(10), 5);
    builder.end({ bytes: 15, truncated: false });
    expect(builder.finish()).toMatchObject({ ok: false, code: 'ELF_STREAM_ORDER' });
  });
});

describe('fuzzed cores', () => {
  const base = syntheticCore({ threads: 3 });
  const phoff = 64;
  const notesAt = Number(base.readBigUInt64LE(phoff + 8));
  // Offsets of the fields worth mutating: header, program headers, note headers.
  const fieldOffsets = [16, 18, 32, 40, 54, 56, 58, 60];
  for (let i = 0; i < 6; i++)
    for (const f of [0, 4, 8, 16, 32, 40]) fieldOffsets.push(phoff + i * 56 + f);
  for (let at = notesAt; at < notesAt + 4000; at += 4) fieldOffsets.push(at);

  const mutation = fc.oneof(
    fc.record({
      at: fc.constantFrom(...fieldOffsets),
      value: fc.oneof(
        fc.constantFrom(0n, 1n, 0xffffn, 0xffffffffn, 0xffffffffffffffffn, 1n << 40n),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      ),
      width: fc.constantFrom(2, 4, 8),
    }),
    fc.record({ at: fc.nat({ max: base.length - 1 }), byte: fc.nat({ max: 255 }) }),
  );

  it('never throws, always ends, and stays bounded', () => {
    fc.assert(
      fc.property(
        fc.array(mutation, { minLength: 1, maxLength: 6 }),
        fc.nat({ max: base.length }),
        fc.integer({ min: 1, max: 70_000 }),
        (mutations, cut, chunk) => {
          const core = Buffer.from(base);
          for (const m of mutations) {
            if ('byte' in m) core[m.at] = m.byte;
            else if (m.at + m.width <= core.length) {
              const v = m.value & ((1n << BigInt(m.width * 8)) - 1n);
              if (m.width === 8) core.writeBigUInt64LE(v, m.at);
              else if (m.width === 4) core.writeUInt32LE(Number(v), m.at);
              else core.writeUInt16LE(Number(v), m.at);
            }
          }
          const result = feed(core, chunk, undefined, Math.max(cut, Math.min(core.length, 64)));
          if (result.ok) {
            expect(result.core.length).toBeLessThan(64 << 20);
            expect(readCoreNotes(result.core).ok).toBe(true);
          } else {
            expect(ELF_INPUT_ERROR_CODES).toContain(result.code);
          }
          const notes = readCoreNotes(core);
          if (!notes.ok) expect(ELF_INPUT_ERROR_CODES).toContain(notes.code);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('a dump stopped after its notes: wanted memory read from the process instead', () => {
  const core = syntheticCore();
  const loads = coreLoads(core);
  const headBytes = Math.min(...loads.filter((l) => l.size > 0).map((l) => l.offset));
  /** The synthetic process's memory, as /proc/PID/mem would give it. */
  const processMemory: ReadMemory = (address, length) => {
    const inside = loads.some(
      (l) => address >= l.vaddr && address + BigInt(length) <= l.vaddr + BigInt(l.size),
    );
    return inside ? memory(address, length) : undefined;
  };
  const build = (fill: boolean, readMemory?: ReadMemory): MiniCoreResult => {
    const builder = createMiniCoreBuilder();
    builder.observe(core.subarray(0, headBytes), 0);
    builder.end({ bytes: headBytes, truncated: false });
    return builder.finish(readMemory, { fillFromMemory: fill });
  };

  it('gives the same mini core as the whole stream would', () => {
    const whole = feed(core, 64 * 1024, processMemory);
    const filled = build(true, processMemory);
    expect(filled.ok && whole.ok).toBe(true);
    if (!filled.ok || !whole.ok) return;
    expect(filled.core.equals(whole.core)).toBe(true);
    expect(filled.info.memoryBytes).toBeGreaterThan(0x4000); // the stacks are in it
  });

  it('without fillFromMemory, or without a reader, keeps no stack', () => {
    const plain = build(false, processMemory);
    const noReader = build(true);
    expect(plain.ok && noReader.ok).toBe(true);
    if (!plain.ok || !noReader.ok) return;
    expect(noReader.info.memoryBytes).toBe(0);
    const whole = feed(core, 64 * 1024, processMemory);
    if (!whole.ok) throw new Error('whole core failed');
    expect(plain.info.memoryBytes).toBeLessThan(whole.info.memoryBytes);
  });

  it('keeps the readable start of a range when the rest does not read', () => {
    // The stack's last page does not read: the crashing thread's window keeps its first.
    const stackEnd = STACK + 0x11000n;
    const partial: ReadMemory = (address, length) =>
      address >= STACK && address < stackEnd
        ? address + BigInt(length) <= stackEnd - 0x1000n
          ? memory(address, length)
          : undefined
        : processMemory(address, length);
    const r = build(true, partial);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const whole = feed(core, 64 * 1024, processMemory);
    if (!whole.ok) throw new Error('whole core failed');
    expect(r.info.memoryBytes).toBeLessThan(whole.info.memoryBytes);
    expect(r.info.memoryBytes).toBeGreaterThan(0);
  });
});
