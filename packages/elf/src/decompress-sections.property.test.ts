// Property test of decompressElfSections on damaged debug files: a real compressed one
// (gcc -g, objcopy --compress-debug-sections) with bytes overwritten, mostly in the ELF
// header, the section header table and the Elf64_Chdrs, and cut short. Whatever the damage,
// it resolves with a result (never rejects), and an ok:true result's `bytes` is the size
// of the file written. `npm run fuzz` runs it long.
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

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildCompressedDebug, fdSectionFiles } from '../../../test/support/elf.js';

import { fuzzParams } from '../../../test/support/fuzz.js';
import { decompressElfSections } from './decompress-sections.js';
import { EH, EHDR_SIZE, SH, SHDR_SIZE, SHF_COMPRESSED } from './format.js';

const PROGRAM = `#include <stdio.h>
struct point { int x, y; };
static int sum(struct point p) { return p.x + p.y; }
int main(int argc, char **argv) { struct point p = { argc, 2 }; printf("%d\\n", sum(p)); return 0; }
`;

let dir = '';
let debug = Buffer.alloc(0);
/** [start, end) of the regions worth damaging: ELF header, section headers, each Chdr. */
let regions: [number, number][] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cdts-decompress-fuzz-'));
  debug = readFileSync((await buildCompressedDebug(dir, PROGRAM)).debug);
  const shoff = Number(debug.readBigUInt64LE(EH.shoff));
  const shnum = debug.readUInt16LE(EH.shnum);
  regions = [
    [0, EHDR_SIZE],
    [shoff, shoff + shnum * SHDR_SIZE],
  ];
  for (let at = shoff; at < shoff + shnum * SHDR_SIZE; at += SHDR_SIZE) {
    if ((debug.readBigUInt64LE(at + SH.flags) & SHF_COMPRESSED) === 0n) continue;
    const data = Number(debug.readBigUInt64LE(at + SH.offset));
    regions.push([data, data + 32]);
  }
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Bytes that make fields interesting: zero, all ones, small counts, sizes near the file's. */
const fieldBytes = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 8 }).map((a) => Buffer.from(a)),
  fc
    .constantFrom(0n, 1n, 2n, 8n, 24n, 64n, 0xffffn, 0xffffffffn, 2n ** 63n, 2n ** 64n - 1n)
    .map((v) => {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(v);
      return b;
    }),
  fc.integer({ min: -64, max: 64 }).map((d) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(Math.max(0, debug.length + d)));
    return b;
  }),
);

interface Damage {
  /** Overwrites, each in regions[region] (past the list: anywhere in the file). */
  readonly writes: readonly {
    readonly region: number;
    readonly at: number;
    readonly bytes: Buffer;
  }[];
  readonly cut: number | null;
}

const damage: fc.Arbitrary<Damage> = fc.record({
  writes: fc.array(
    fc.record({ region: fc.integer({ min: 0, max: 7 }), at: fc.nat(), bytes: fieldBytes }),
    { minLength: 1, maxLength: 6 },
  ),
  cut: fc.option(fc.nat(), { freq: 4 }),
});

function apply({ writes, cut }: Damage): Buffer {
  const file = Buffer.from(debug);
  for (const w of writes) {
    const [from, end] = regions[w.region] ?? [0, file.length];
    const to = Math.min(end, file.length);
    if (to > from) w.bytes.copy(file, from + (w.at % (to - from)));
  }
  return cut === null ? file : file.subarray(0, cut % (file.length + 1));
}

describe('decompressElfSections (property)', () => {
  it('resolves for any damage, and ok:true writes exactly `bytes`', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(damage, async (d) => {
        const input = join(dir, `in-${run}`);
        const output = join(dir, `out-${run}`);
        run++;
        writeFileSync(input, apply(d));
        const src = openSync(input, 'r');
        const out = openSync(output, 'w');
        try {
          const result = await decompressElfSections(fdSectionFiles(src, out), {
            maxOutputBytes: 64 << 20,
          });
          if (result.ok) expect(fstatSync(out).size).toBe(result.bytes);
          else expect(result.reason).toMatch(/^[^\n]+$/);
        } finally {
          closeSync(src);
          closeSync(out);
          rmSync(input);
          rmSync(output);
        }
      }),
      fuzzParams(1000),
    );
  });
});
