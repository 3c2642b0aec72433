// The ELF header and program headers of a core, checked field by field: the bytes come
// from the crashed process's kernel dump and may be truncated or mutated.
import {
  EH,
  EHDR_SIZE,
  ELF_MAGIC,
  ELFCLASS64,
  ELFDATA2LSB,
  ET_CORE,
  PH,
  PHDR_SIZE,
  PT_LOAD,
  PT_NOTE,
  u64Number,
} from './format.js';

export type ElfErrorCode =
  | 'ELF_SHORT'
  | 'ELF_NOT_CORE'
  | 'ELF_UNSUPPORTED'
  | 'ELF_BAD_PHDRS'
  | 'ELF_NO_NOTES'
  | 'ELF_NO_THREADS'
  | 'ELF_STREAM_ORDER'
  | 'ELF_NOT_ENDED'
  | 'ELF_INTERNAL';

/** The codes that mean "this core is damaged or unusual", as against misuse or a defect. */
export const ELF_INPUT_ERROR_CODES: readonly ElfErrorCode[] = [
  'ELF_SHORT',
  'ELF_NOT_CORE',
  'ELF_UNSUPPORTED',
  'ELF_BAD_PHDRS',
  'ELF_NO_NOTES',
  'ELF_NO_THREADS',
];

export interface ElfFailure {
  readonly ok: false;
  readonly code: ElfErrorCode;
  readonly reason: string;
}

export const fail = (code: ElfErrorCode, reason: string): ElfFailure => ({
  ok: false,
  code,
  reason,
});

export interface CoreHeader {
  readonly osabi: number;
  readonly machine: number;
  readonly flags: number;
  readonly phoff: number;
  /** e_phnum as written: PN_XNUM means the count lives elsewhere. */
  readonly phnum: number;
}

/** Program-header tables larger than this are refused (vm.max_map_count is 65530 by default). */
export const MAX_PHNUM = 1 << 17;

export function parseCoreHeader(ehdr: Buffer): { ok: true; header: CoreHeader } | ElfFailure {
  if (ehdr.length < EHDR_SIZE) return fail('ELF_SHORT', 'the core ends inside the ELF header');
  if (ehdr.readUInt32LE(0) !== ELF_MAGIC) return fail('ELF_NOT_CORE', 'no ELF magic');
  if (ehdr[EH.class] !== ELFCLASS64 || ehdr[EH.data] !== ELFDATA2LSB) {
    return fail('ELF_UNSUPPORTED', 'not a 64-bit little-endian ELF file');
  }
  if (ehdr.readUInt16LE(EH.type) !== ET_CORE) return fail('ELF_NOT_CORE', 'e_type is not ET_CORE');
  const phoff = u64Number(ehdr, EH.phoff);
  const phentsize = ehdr.readUInt16LE(EH.phentsize);
  const phnum = ehdr.readUInt16LE(EH.phnum);
  if (phentsize !== PHDR_SIZE) return fail('ELF_BAD_PHDRS', `e_phentsize ${phentsize}`);
  if (phnum === 0) return fail('ELF_NO_NOTES', 'no program headers');
  if (!Number.isSafeInteger(phoff) || phoff < EHDR_SIZE) {
    return fail('ELF_BAD_PHDRS', `e_phoff ${phoff} is inside the ELF header or too large`);
  }
  return {
    ok: true,
    header: {
      osabi: ehdr[7] ?? 0,
      machine: ehdr.readUInt16LE(EH.machine),
      flags: ehdr.readUInt32LE(EH.flags),
      phoff,
      phnum,
    },
  };
}

/**
 * With e_phnum = PN_XNUM the real count is in section header 0, which the kernel writes
 * at the very end of the core: too late for a forward reader. The kernel writes the
 * PT_NOTE header first and the notes right after the table, so the count is the notes'
 * offset minus e_phoff, in entries.
 */
export function countFromFirstPhdr(first: Buffer, phoff: number): number | ElfFailure {
  if (first.readUInt32LE(PH.type) !== PT_NOTE) {
    return fail('ELF_BAD_PHDRS', 'PN_XNUM core whose first program header is not PT_NOTE');
  }
  const notes = u64Number(first, PH.offset);
  const count = (notes - phoff) / PHDR_SIZE;
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_PHNUM) {
    return fail('ELF_BAD_PHDRS', `PN_XNUM core with notes at ${notes}: no sane header count`);
  }
  return count;
}

export interface Segment {
  readonly type: number;
  readonly flags: number;
  readonly offset: number;
  readonly vaddr: bigint;
  readonly filesz: number;
}

/** PT_LOAD segments with file data, sorted by address, and the PT_NOTE segments. */
export interface CoreSegments {
  readonly loads: readonly Segment[];
  readonly notes: readonly Segment[];
}

export function parsePhdrs(table: Buffer): CoreSegments {
  const loads: Segment[] = [];
  const notes: Segment[] = [];
  for (let at = 0; at + PHDR_SIZE <= table.length; at += PHDR_SIZE) {
    const type = table.readUInt32LE(at + PH.type);
    if (type !== PT_LOAD && type !== PT_NOTE) continue;
    const offset = u64Number(table, at + PH.offset);
    const filesz = u64Number(table, at + PH.filesz);
    if (filesz === 0 || !Number.isSafeInteger(offset + filesz)) continue;
    const segment = {
      type,
      flags: table.readUInt32LE(at + PH.flags),
      offset,
      vaddr: table.readBigUInt64LE(at + PH.vaddr),
      filesz,
    };
    (type === PT_LOAD ? loads : notes).push(segment);
  }
  loads.sort((a, b) => (a.vaddr < b.vaddr ? -1 : a.vaddr > b.vaddr ? 1 : 0));
  notes.sort((a, b) => a.offset - b.offset);
  return { loads, notes };
}

/**
 * The first PT_LOAD segment with file data in [start, end): the one holding `start`, else
 * the lowest one starting inside the range (a stack window whose SP-128 lies in the
 * unmapped guard page below the stack, as after a stack overflow).
 */
export function findLoadIn(
  loads: readonly Segment[],
  start: bigint,
  end: bigint,
): Segment | undefined {
  const holding = findLoad(loads, start);
  if (holding !== undefined) return holding;
  let lo = 0;
  let hi = loads.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const s = loads[mid];
    if (s !== undefined && s.vaddr <= start) lo = mid + 1;
    else hi = mid;
  }
  const next = loads[lo];
  return next !== undefined && next.vaddr < end ? next : undefined;
}

/** The PT_LOAD segment whose file data holds `address`, by binary search. */
export function findLoad(loads: readonly Segment[], address: bigint): Segment | undefined {
  let lo = 0;
  let hi = loads.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = loads[mid];
    if (s === undefined) return undefined;
    if (address < s.vaddr) hi = mid - 1;
    else if (address >= s.vaddr + BigInt(s.filesz)) lo = mid + 1;
    else return s;
  }
  return undefined;
}
