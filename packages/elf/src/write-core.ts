// Writes a mini core as a valid ELF core, in the kernel's layout: ELF header, program
// headers (PT_NOTE first), the notes, then one PT_LOAD per kept memory range, each at a
// file offset congruent to its address modulo the page size (libdw places modules by
// it). Ranges not kept are simply absent: zero fill would read as memory to gdb.
// More than 65534 segments: e_phnum = PN_XNUM and the count in section header 0.
import {
  align4,
  EH,
  EHDR_SIZE,
  ELF_MAGIC,
  ELFCLASS64,
  ELFDATA2LSB,
  ET_CORE,
  PAGE_SIZE,
  PH,
  PHDR_SIZE,
  PN_XNUM,
  PT_LOAD,
  PT_NOTE,
  SHDR_SIZE,
} from './format.js';
import type { CoreNote } from './notes.js';

export interface MemoryRange {
  readonly address: bigint;
  readonly flags: number;
  /** Contiguous pieces of memory, in address order. */
  readonly parts: readonly Buffer[];
  readonly size: number;
}

export interface CoreImage {
  readonly osabi: number;
  readonly machine: number;
  readonly flags: number;
  readonly notes: readonly CoreNote[];
  readonly ranges: readonly MemoryRange[];
}

const PAGE = BigInt(PAGE_SIZE);
const SH_INFO = 44;

function noteSize(note: CoreNote): number {
  return 12 + align4(Buffer.byteLength(note.name, 'latin1') + 1) + align4(note.desc.length);
}

export function writeCore(image: CoreImage): Buffer {
  const phnum = 1 + image.ranges.length;
  const xnum = phnum >= PN_XNUM;
  const notesAt = EHDR_SIZE + phnum * PHDR_SIZE;
  const notesSize = image.notes.reduce((sum, n) => sum + noteSize(n), 0);
  let at = notesAt + notesSize;
  const offsets: number[] = [];
  for (const range of image.ranges) {
    const want = Number(range.address % PAGE);
    at += (want - (at % PAGE_SIZE) + PAGE_SIZE) % PAGE_SIZE;
    offsets.push(at);
    at += range.size;
  }
  const shoff = xnum ? (at + 7) & ~7 : 0;
  const out = Buffer.alloc(xnum ? shoff + SHDR_SIZE : at);

  out.writeUInt32LE(ELF_MAGIC, 0);
  out[EH.class] = ELFCLASS64;
  out[EH.data] = ELFDATA2LSB;
  out[6] = 1; // EV_CURRENT
  out[7] = image.osabi;
  out.writeUInt16LE(ET_CORE, EH.type);
  out.writeUInt16LE(image.machine, EH.machine);
  out.writeUInt32LE(1, 20); // e_version
  out.writeBigUInt64LE(BigInt(EHDR_SIZE), EH.phoff);
  out.writeBigUInt64LE(BigInt(shoff), EH.shoff);
  out.writeUInt32LE(image.flags, EH.flags);
  out.writeUInt16LE(EHDR_SIZE, 52); // e_ehsize
  out.writeUInt16LE(PHDR_SIZE, EH.phentsize);
  out.writeUInt16LE(xnum ? PN_XNUM : phnum, EH.phnum);
  out.writeUInt16LE(xnum ? SHDR_SIZE : 0, EH.shentsize);
  if (xnum) out.writeUInt32LE(phnum, shoff + SH_INFO); // SHT_NULL header, sh_info = count

  writePhdr(out, EHDR_SIZE, PT_NOTE, 0, notesAt, 0n, notesSize, 4);
  let note = notesAt;
  for (const n of image.notes) {
    const nameLength = Buffer.byteLength(n.name, 'latin1') + 1;
    out.writeUInt32LE(nameLength, note);
    out.writeUInt32LE(n.desc.length, note + 4);
    out.writeUInt32LE(n.type, note + 8);
    out.write(n.name, note + 12, 'latin1');
    n.desc.copy(out, note + 12 + align4(nameLength));
    note += noteSize(n);
  }
  image.ranges.forEach((range, i) => {
    const offset = offsets[i] ?? 0;
    writePhdr(
      out,
      EHDR_SIZE + (i + 1) * PHDR_SIZE,
      PT_LOAD,
      range.flags,
      offset,
      range.address,
      range.size,
      PAGE_SIZE,
    );
    let to = offset;
    for (const part of range.parts) to += part.copy(out, to);
  });
  return out;
}

function writePhdr(
  out: Buffer,
  at: number,
  type: number,
  flags: number,
  offset: number,
  vaddr: bigint,
  size: number,
  align: number,
): void {
  out.writeUInt32LE(type, at + PH.type);
  out.writeUInt32LE(flags, at + PH.flags);
  out.writeBigUInt64LE(BigInt(offset), at + PH.offset);
  out.writeBigUInt64LE(vaddr, at + PH.vaddr);
  out.writeBigUInt64LE(0n, at + 24); // p_paddr
  out.writeBigUInt64LE(BigInt(size), at + PH.filesz);
  out.writeBigUInt64LE(BigInt(size), at + PH.memsz);
  out.writeBigUInt64LE(BigInt(align), at + PH.align);
}
