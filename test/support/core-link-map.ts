// A full core made to look like a mini core without link_map data: the
// executable's DT_DEBUG entry (the pointer to the dynamic linker's r_debug)
// is zeroed in the core's memory, so libdwfl cannot walk link_map and names
// every module by the path in NT_FILE, as it does on a mini core that lacks
// that memory (../shared/reference/mini-core.md). 64-bit little-endian only.
import { readFileSync } from 'node:fs';

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const DT_NULL = 0n;
const DT_DEBUG = 21n;

interface Segment {
  type: number;
  offset: number;
  vaddr: bigint;
  filesz: number;
  memsz: bigint;
}

function segments(elf: Buffer): Segment[] {
  if (elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2 || elf[5] !== 1) {
    throw new Error('not a 64-bit little-endian ELF file');
  }
  const phoff = Number(elf.readBigUInt64LE(32));
  const phentsize = elf.readUInt16LE(54);
  const phnum = elf.readUInt16LE(56);
  return Array.from({ length: phnum }, (_, i) => {
    const ph = phoff + i * phentsize;
    return {
      type: elf.readUInt32LE(ph),
      offset: Number(elf.readBigUInt64LE(ph + 8)),
      vaddr: elf.readBigUInt64LE(ph + 16),
      filesz: Number(elf.readBigUInt64LE(ph + 32)),
      memsz: elf.readBigUInt64LE(ph + 40),
    };
  });
}

/**
 * The core's bytes with the executable's DT_DEBUG zeroed. `exeStart` is the
 * executable's load address (its module start, from a trace of the core).
 */
export function coreWithoutLinkMap(corePath: string, exe: string, exeStart: bigint): Buffer {
  const core = readFileSync(corePath);
  const exeSegments = segments(readFileSync(exe));
  const dynamic = exeSegments.find((s) => s.type === PT_DYNAMIC);
  const firstLoad = exeSegments.find((s) => s.type === PT_LOAD);
  if (dynamic === undefined || firstLoad === undefined) throw new Error(`${exe}: not dynamic`);
  const dynamicAddress = exeStart - firstLoad.vaddr + dynamic.vaddr;
  const load = segments(core).find(
    (s) =>
      s.type === PT_LOAD &&
      s.vaddr <= dynamicAddress &&
      dynamicAddress < s.vaddr + BigInt(s.filesz),
  );
  if (load === undefined) throw new Error('the core lacks the executable’s dynamic section');
  const start = load.offset + Number(dynamicAddress - load.vaddr);
  for (let o = start; o + 16 <= start + dynamic.filesz; o += 16) {
    const tag = core.readBigInt64LE(o);
    if (tag === DT_NULL) break;
    if (tag === DT_DEBUG) {
      core.writeBigUInt64LE(0n, o + 8);
      return core;
    }
  }
  throw new Error('no DT_DEBUG in the executable’s dynamic section');
}
