// Build-ids from a core's copies of its files' first pages (pure logic, synthetic cores;
// test/debuginfo-cache.test.ts reads them from a real crash's mini core).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { buildIdOfImage, moduleBuildIds } from './build-ids.js';
import { EHDR_SIZE, PAGE_SIZE, PF_R, PHDR_SIZE, PT_NOTE } from './format.js';
import type { CoreNote } from './notes.js';
import { writeCore, type MemoryRange } from './write-core.js';

const EXE = 0x555500000000n;
const LIB = 0x7f1200000000n;
const ID = '93ac61ec5a8eb1396f9fbd350e3169a558528a40';

/** A note entry with 4-byte padding (or 8, as .note.gnu.property's segment uses). */
function note(name: string, type: number, desc: Buffer, align = 4): Buffer {
  const pad = (n: number): number => Math.ceil(n / align) * align;
  const nameBytes = Buffer.from(`${name}\0`, 'latin1');
  const out = Buffer.alloc(12 + pad(nameBytes.length) + pad(desc.length));
  out.writeUInt32LE(nameBytes.length, 0);
  out.writeUInt32LE(desc.length, 4);
  out.writeUInt32LE(type, 8);
  nameBytes.copy(out, 12);
  desc.copy(out, 12 + pad(nameBytes.length));
  return out;
}

/** An ELF64 image's first page: header, program headers, one PT_NOTE per note group. */
function image(groups: { notes: Buffer; align?: number }[]): Buffer {
  const page = Buffer.alloc(PAGE_SIZE);
  page.writeUInt32LE(0x464c457f, 0);
  page[4] = 2;
  page[5] = 1;
  page[6] = 1;
  page.writeUInt16LE(3, 16); // ET_DYN
  page.writeUInt16LE(62, 18);
  page.writeBigUInt64LE(BigInt(EHDR_SIZE), 32);
  page.writeUInt16LE(PHDR_SIZE, 54);
  page.writeUInt16LE(groups.length, 56);
  let at = EHDR_SIZE + groups.length * PHDR_SIZE;
  groups.forEach((g, i) => {
    const ph = EHDR_SIZE + i * PHDR_SIZE;
    page.writeUInt32LE(PT_NOTE, ph);
    page.writeBigUInt64LE(BigInt(at), ph + 8);
    page.writeBigUInt64LE(BigInt(at), ph + 16);
    page.writeBigUInt64LE(BigInt(g.notes.length), ph + 32);
    page.writeBigUInt64LE(BigInt(g.notes.length), ph + 40);
    page.writeBigUInt64LE(BigInt(g.align ?? 4), ph + 48);
    g.notes.copy(page, at);
    at += g.notes.length;
  });
  return page;
}

function prstatus(): CoreNote {
  const desc = Buffer.alloc(336);
  desc.writeUInt16LE(11, 12);
  desc.writeInt32LE(100, 32);
  return { name: 'CORE', type: 1, desc };
}

function fileNote(files: { start: bigint; page: bigint; path: string }[]): CoreNote {
  const head = Buffer.alloc(16 + files.length * 24);
  head.writeBigUInt64LE(BigInt(files.length), 0);
  head.writeBigUInt64LE(BigInt(PAGE_SIZE), 8);
  files.forEach((f, i) => {
    head.writeBigUInt64LE(f.start, 16 + i * 24);
    head.writeBigUInt64LE(f.start + BigInt(PAGE_SIZE), 24 + i * 24);
    head.writeBigUInt64LE(f.page, 32 + i * 24);
  });
  const names = Buffer.from(files.map((f) => `${f.path}\0`).join(''));
  return { name: 'CORE', type: 0x46494c45, desc: Buffer.concat([head, names]) };
}

const buildIdNote = (hex: string): Buffer => note('GNU', 3, Buffer.from(hex, 'hex'));
const property = (): Buffer => note('GNU', 5, Buffer.alloc(16, 7), 8);

function core(files: { start: bigint; page: bigint; path: string }[], ranges: MemoryRange[]) {
  return writeCore({
    osabi: 0,
    machine: 62,
    flags: 0,
    notes: [prstatus(), fileNote(files)],
    ranges,
  });
}

const mapped = (address: bigint, page: Buffer): MemoryRange => ({
  address,
  flags: PF_R,
  parts: [page],
  size: page.length,
});

describe('moduleBuildIds', () => {
  it('finds the build-id of each file mapped at offset 0, once per path', () => {
    const exe = image([{ notes: property(), align: 8 }, { notes: buildIdNote('aa'.repeat(20)) }]);
    const lib = image([
      { notes: Buffer.concat([note('GNU', 1, Buffer.alloc(16)), buildIdNote(ID)]) },
    ]);
    const c = core(
      [
        { start: EXE, page: 0n, path: '/usr/bin/x' },
        { start: EXE + 0x1000n, page: 1n, path: '/usr/bin/x' },
        { start: LIB, page: 0n, path: '/usr/lib/libc.so.6' },
        { start: LIB + 0x10000n, page: 0n, path: '/usr/lib/libc.so.6' },
      ],
      [mapped(EXE, exe), mapped(EXE + 0x1000n, exe), mapped(LIB, lib)],
    );
    expect(moduleBuildIds(c)).toEqual([
      { path: '/usr/bin/x', buildId: 'aa'.repeat(20) },
      { path: '/usr/lib/libc.so.6', buildId: ID },
    ]);
  });

  it('skips files whose first page the core does not hold, or that carry no build-id', () => {
    const noId = image([{ notes: note('GNU', 1, Buffer.alloc(16)) }]);
    const c = core(
      [
        { start: EXE, page: 0n, path: '/usr/bin/x' },
        { start: LIB, page: 0n, path: '/usr/lib/gone.so' },
      ],
      [mapped(EXE, noId)],
    );
    expect(moduleBuildIds(c)).toEqual([]);
    expect(moduleBuildIds(Buffer.from('not a core'))).toEqual([]);
  });

  it('stops at maxModules', () => {
    const lib = image([{ notes: buildIdNote(ID) }]);
    const files = [0, 1, 2].map((i) => ({
      start: LIB + BigInt(i) * 0x100000n,
      page: 0n,
      path: `/l${String(i)}.so`,
    }));
    const c = core(
      files,
      files.map((f) => mapped(f.start, lib)),
    );
    expect(moduleBuildIds(c, 2)).toHaveLength(2);
  });
});

describe('buildIdOfImage', () => {
  const damage: [string, (p: Buffer) => void][] = [
    ['a note that claims more than the segment', (p) => p.writeUInt32LE(4096, 124)],
    ['a PT_NOTE beyond the page', (p) => p.writeBigUInt64LE(1n << 40n, 72)],
    ['too many program headers', (p) => p.writeUInt16LE(1000, 56)],
    ['an ELF32 header', (p) => (p[4] = 1)],
  ];
  it.for(damage)('gives nothing for %s', ([, mutate]) => {
    const page = image([{ notes: buildIdNote(ID) }]);
    expect(buildIdOfImage(page)).toBe(ID);
    mutate(page);
    expect(buildIdOfImage(page)).toBeUndefined();
  });

  it('never throws on mutated or cut headers', () => {
    const page = image([{ notes: property(), align: 8 }, { notes: buildIdNote(ID) }]);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(400), fc.nat(255)), { maxLength: 12 }),
        fc.nat(600),
        (edits, cut) => {
          const copy = Buffer.from(page.subarray(0, cut === 0 ? page.length : cut));
          for (const [at, byte] of edits) if (at < copy.length) copy[at] = byte;
          const id = buildIdOfImage(copy);
          expect(id === undefined || /^[0-9a-f]+$/.test(id)).toBe(true);
        },
      ),
    );
  });
});
