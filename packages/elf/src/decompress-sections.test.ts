// decompressElfSections on a real debug file (gcc -g, objcopy --compress-debug-sections)
// against what `objcopy --decompress-debug-sections` makes of it, a file with nothing to
// do, and each refusal. Fuzzed input: decompress-sections.property.test.ts.
import { execFile } from 'node:child_process';
import {
  closeSync,
  fstatSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildCompressedDebug, fdSectionFiles } from '../../../test/support/elf.js';

import {
  decompressElfSections,
  type DecompressSectionsOptions,
  type DecompressSectionsResult,
} from './decompress-sections.js';
import { CH, EH, SH, SHDR_SIZE, SHF_COMPRESSED, SHN_XINDEX, SHT_NOBITS } from './format.js';

const execFileAsync = promisify(execFile);

const PROGRAM = `#include <stdio.h>
struct point { int x, y; };
static int sum(struct point p) { return p.x + p.y; }
int main(int argc, char **argv) {
  struct point p = { argc, (int)sizeof argv };
  printf("%d\\n", sum(p));
  return 0;
}
`;

let dir = '';
/** prog.debug: objcopy --only-keep-debug --compress-debug-sections=zlib of prog. */
let debug = Buffer.alloc(0);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cdts-decompress-'));
  await buildCompressedDebug(dir, PROGRAM);
  await execFileAsync('objcopy', [
    '--decompress-debug-sections',
    join(dir, 'prog.debug'),
    join(dir, 'ref.debug'),
  ]);
  debug = readFileSync(join(dir, 'prog.debug'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs decompressElfSections from a file holding `input` into a fresh file; returns both. */
async function run(
  input: Buffer | string,
  options?: DecompressSectionsOptions,
): Promise<{ result: DecompressSectionsResult; output: string }> {
  const source = typeof input === 'string' ? input : join(dir, 'input');
  if (typeof input !== 'string') writeFileSync(source, input);
  const output = join(dir, 'output');
  const src = openSync(source, 'r');
  const out = openSync(output, 'w');
  try {
    return { result: await decompressElfSections(fdSectionFiles(src, out), options), output };
  } finally {
    closeSync(src);
    closeSync(out);
  }
}

interface Shdr {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly flags: bigint;
  readonly offset: number;
  readonly size: number;
  readonly addralign: number;
}

function sectionHeaders(file: Buffer): Shdr[] {
  const shoff = Number(file.readBigUInt64LE(EH.shoff));
  const shnum = file.readUInt16LE(EH.shnum);
  const field = (i: number, at: number): number =>
    Number(file.readBigUInt64LE(shoff + i * SHDR_SIZE + at));
  const names = field(file.readUInt16LE(EH.shstrndx), SH.offset);
  return Array.from({ length: shnum }, (_, index) => {
    const at = shoff + index * SHDR_SIZE;
    const name = names + file.readUInt32LE(at + SH.name);
    return {
      index,
      name: file.toString('latin1', name, file.indexOf(0, name)),
      type: file.readUInt32LE(at + SH.type),
      flags: file.readBigUInt64LE(at + SH.flags),
      offset: field(index, SH.offset),
      size: field(index, SH.size),
      addralign: field(index, SH.addralign),
    };
  });
}

const sectionData = (file: Buffer, s: Shdr): Buffer =>
  s.type === SHT_NOBITS ? Buffer.alloc(0) : file.subarray(s.offset, s.offset + s.size);

/** `readelf -S -W` rows without the offset column: name, type, address, size, ES, Flg, Lk, Inf, Al. */
async function readelfSections(path: string): Promise<string[][]> {
  const { stdout } = await execFileAsync('readelf', ['-S', '-W', path]);
  const row =
    /^\s*\[\s*\d+\]\s(.*?)\s+(\S+)\s+([0-9a-f]{16})\s+[0-9a-f]+\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([A-Za-z]*)\s+(\d+)\s+(\d+)\s+(\d+)$/;
  return stdout.split('\n').flatMap((line) => {
    const m = row.exec(line);
    return m === null ? [] : [m.slice(1)];
  });
}

/** The first compressed section of prog.debug, for the tests that damage it. */
const firstCompressed = (): Shdr => {
  const s = sectionHeaders(debug).find((h) => (h.flags & SHF_COMPRESSED) !== 0n);
  if (s === undefined) throw new Error('objcopy compressed nothing');
  return s;
};

const compressedCount = (): number =>
  sectionHeaders(debug).filter((s) => (s.flags & SHF_COMPRESSED) !== 0n).length;

describe('decompressElfSections', () => {
  it('makes what objcopy --decompress-debug-sections makes, and readelf and libdw read it', async () => {
    const { result, output } = await run(join(dir, 'prog.debug'));
    const plainFile = readFileSync(output);
    expect(result).toEqual({
      ok: true,
      sections: compressedCount(),
      bytes: plainFile.length,
    });
    expect(result.ok && result.sections).toBeGreaterThan(0);

    // objcopy also sets SHF_INFO_LINK ('I') on .rela.plt, which the input lacks: not ours.
    const FLAGS = 5;
    const ours = await readelfSections(output);
    const reference = (await readelfSections(join(dir, 'ref.debug'))).map((row) =>
      row.map((field, i) => (i === FLAGS ? field.replace('I', '') : field)),
    );
    expect(ours).toEqual(reference);
    expect(ours.length).toBe(sectionHeaders(debug).length);
    expect(ours.filter((row) => row[FLAGS]?.includes('C'))).toEqual([]);

    const ref = readFileSync(join(dir, 'ref.debug'));
    const refHeaders = sectionHeaders(ref);
    const plainHeaders = sectionHeaders(plainFile);
    for (const [i, s] of plainHeaders.entries()) {
      const r = refHeaders[i];
      if (r === undefined) throw new Error(`ref.debug has no section ${i}`);
      expect([s.name, s.size, s.addralign]).toEqual([r.name, r.size, r.addralign]);
      expect(sectionData(plainFile, s).equals(sectionData(ref, r)), s.name).toBe(true);
      if (s.type !== SHT_NOBITS) expect(s.offset % Math.max(s.addralign, 1), s.name).toBe(0);
    }

    const info = async (path: string): Promise<string> =>
      (await execFileAsync('readelf', ['--debug-dump=info', path])).stdout;
    const dump = await info(output);
    expect(dump).toContain('DW_TAG_structure_type');
    expect(dump).toBe(await info(join(dir, 'ref.debug')));
    const eu = await execFileAsync('eu-readelf', ['-S', output]);
    expect(eu.stderr).toBe('');
    expect(eu.stdout).toContain('.debug_info');
  });

  it('keeps the bytes before the first compressed section in place', async () => {
    const { result, output } = await run(debug);
    if (!result.ok) throw new Error(result.reason);
    const head = firstCompressed().offset;
    const plainFile = readFileSync(output);
    const expected = Buffer.from(debug.subarray(0, head));
    expected.writeBigUInt64LE(plainFile.readBigUInt64LE(EH.shoff), EH.shoff);
    expect(plainFile.subarray(0, head).equals(expected)).toBe(true);
    expect(Number(plainFile.readBigUInt64LE(EH.shoff)) % 8).toBe(0);
  });

  it('reads extended section numbering (e_shnum 0, e_shstrndx SHN_XINDEX)', async () => {
    const file = Buffer.from(debug);
    const shoff = Number(file.readBigUInt64LE(EH.shoff));
    file.writeBigUInt64LE(BigInt(file.readUInt16LE(EH.shnum)), shoff + SH.size);
    file.writeUInt32LE(file.readUInt16LE(EH.shstrndx), shoff + SH.link);
    file.writeUInt16LE(0, EH.shnum);
    file.writeUInt16LE(SHN_XINDEX, EH.shstrndx);
    const { result, output } = await run(file);
    if (!result.ok) throw new Error(result.reason);
    expect(result.sections).toBe(compressedCount());
    const { stdout } = await execFileAsync('readelf', ['-S', '-W', output]);
    expect(stdout).toContain('.debug_info');
    expect(stdout).not.toMatch(/ [A-Z]*C[A-Z]* +\d+ +\d+ +\d+\n/);
  });

  it('writes nothing for a file without compressed sections', async () => {
    const { result, output } = await run(join(dir, 'prog'));
    expect(result).toEqual({ ok: true, sections: 0, bytes: 0 });
    const out = openSync(output, 'r');
    try {
      expect(fstatSync(out).size).toBe(0);
    } finally {
      closeSync(out);
    }
  });

  /** prog.debug with `edit` applied to a copy. */
  const damaged = (edit: (file: Buffer) => Buffer | undefined) => (): Buffer => {
    const file = Buffer.from(debug);
    return edit(file) ?? file;
  };
  const chdr = (at: number) => firstCompressed().offset + at;
  const chSize = (): bigint => debug.readBigUInt64LE(chdr(CH.size));

  it.for<[string, () => Buffer, DecompressSectionsOptions, RegExp]>([
    ['not ELF', () => Buffer.from('#!/bin/sh\necho this is not an ELF file\n'), {}, /^not an ELF/],
    ['empty', () => Buffer.alloc(0), {}, /^not an ELF/],
    ['ELF32', damaged((f) => void f.writeUInt8(1, EH.class)), {}, /unsupported/],
    ['big-endian', damaged((f) => void f.writeUInt8(2, EH.data)), {}, /unsupported/],
    ['zstd (ch_type 2)', damaged((f) => void f.writeUInt32LE(2, chdr(CH.type))), {}, /ch_type 2/],
    [
      'ch_size bigger than the stream inflates to',
      damaged((f) => void f.writeBigUInt64LE(chSize() + 1n, chdr(CH.size))),
      {},
      /inflates to \d+ bytes, ch_size says \d+/,
    ],
    [
      'ch_size smaller than the stream inflates to',
      damaged((f) => void f.writeBigUInt64LE(chSize() - 1n, chdr(CH.size))),
      {},
      /inflates to more than ch_size/,
    ],
    [
      'a damaged zlib stream',
      damaged((f) => void f.fill(0x55, chdr(24), chdr(40))),
      {},
      /: zlib: /,
    ],
    ['maxOutputBytes too small', () => debug, { maxOutputBytes: 4096 }, /over the limit of 4096/],
    [
      'section table beyond the end of the file',
      damaged((f) => f.subarray(0, f.length - 100)),
      {},
      /section header table .* beyond the end of the file/,
    ],
    [
      'section data beyond the end of the file',
      damaged((f) => {
        const at = Number(f.readBigUInt64LE(EH.shoff)) + firstCompressed().index * SHDR_SIZE;
        f.writeBigUInt64LE(BigInt(f.length), at + SH.size);
        return undefined;
      }),
      {},
      /section \d+: data .* beyond the end of the file/,
    ],
    [
      'e_shentsize not 64',
      damaged((f) => void f.writeUInt16LE(40, EH.shentsize)),
      {},
      /e_shentsize 40/,
    ],
    [
      'overlapping sections',
      damaged((f) => {
        const last = f.readUInt16LE(EH.shnum) - 1;
        const at = Number(f.readBigUInt64LE(EH.shoff)) + last * SHDR_SIZE;
        f.writeBigUInt64LE(BigInt(firstCompressed().offset + 8), at + SH.offset);
        return undefined;
      }),
      {},
      /sections \d+ and \d+ overlap/,
    ],
    [
      'a segment whose data would move',
      damaged((f) => {
        const phoff = Number(f.readBigUInt64LE(EH.phoff));
        f.writeBigUInt64LE(BigInt(firstCompressed().offset + 16), phoff + 32);
        return undefined;
      }),
      {},
      /segment 0's data reaches the first compressed section/,
    ],
  ])('refuses %s', async ([, input, options, reason]) => {
    const { result } = await run(input(), options);
    if (result.ok) throw new Error('not refused');
    expect(result.reason).toMatch(reason);
    expect(result.reason).not.toContain('\n');
  });
});
