// A copy of a separate debug file with its zlib-compressed sections stored plain, for the
// debuginfo cache: libdw 0.188 inflates every SHF_COMPRESSED section each time it opens a
// file (~90 ms for libc per stack trace) and only mmaps a plain one (~10 ms). The bytes
// before the first compressed section stay where they are; the sections from there on
// are laid out again, then the section header table. Nothing vouches for the input file:
// every field is checked before it is used, and no section is held in memory whole.
// The caller does the file I/O (SectionFiles): this package stays pure.
import { pipeline } from 'node:stream/promises';
import { createInflate } from 'node:zlib';

import {
  CH,
  CHDR_SIZE,
  EH,
  EHDR_SIZE,
  ELF_MAGIC,
  ELFCLASS64,
  ELFCOMPRESS_ZLIB,
  ELFDATA2LSB,
  PH,
  PHDR_SIZE,
  PN_XNUM,
  SH,
  SHDR_SIZE,
  SHF_COMPRESSED,
  SHN_XINDEX,
  SHT_NOBITS,
  u64Number,
} from './format.js';

export type DecompressSectionsResult =
  | { readonly ok: true; readonly sections: number; readonly bytes: number }
  | { readonly ok: false; readonly reason: string };

/** The caller's files: positional reads of the source, positional writes of the copy. */
export interface SectionFiles {
  /** The source's size in bytes. */
  readonly sourceBytes: number;
  /** Reads up to buffer.length bytes at position into buffer; how many (0: end of file). */
  read(buffer: Buffer, position: number): number;
  /** Writes all of buffer at position. */
  write(buffer: Buffer, position: number): void;
}

export interface DecompressSectionsOptions {
  /** Refuse (ok:false) when the output would be bigger than this; default 1 GiB. */
  readonly maxOutputBytes?: number;
}

const DEFAULT_MAX_OUTPUT_BYTES = 1 << 30;
const CHUNK_BYTES = 1 << 20;
/** Debug files have tens of sections; C++ with -ffunction-sections some 10^5. */
const MAX_SHNUM = 1 << 18;
const MAX_PHNUM = 1 << 16;
/** Larger alignments are not seen in debug files and would only make padding. */
const MAX_ALIGN = 2n ** 32n;

/** A section with file data or a NOBITS one, as read; `align` for those that may move. */
interface Section {
  readonly index: number;
  readonly nobits: boolean;
  readonly offset: number;
  readonly size: number;
  readonly zlib: { readonly size: number; readonly align: number } | undefined;
}

/** Where a section's data goes, and how many bytes it has there. */
interface Placement {
  readonly section: Section;
  readonly to: number;
}

interface Plan {
  readonly head: number;
  readonly moved: readonly Placement[];
  readonly table: Buffer;
  readonly tableAt: number;
  readonly bytes: number;
  readonly compressed: number;
}

/**
 * Reads the ELF file behind files.read and, when it has zlib-compressed sections,
 * writes the whole file with those sections stored uncompressed through files.write
 * (into an empty file). sections: how many were decompressed (0: nothing is written);
 * bytes: the size written. Never throws for bad input: a file that is not ELF64
 * little-endian, a truncated or inconsistent section table, a section compressed
 * with anything but zlib (ch_type 1), a zlib stream that fails or inflates to a
 * size other than ch_size, an output over the limit: ok:false with a one-line reason.
 * What read or write throw rejects as it is (the caller's to report).
 */
export async function decompressElfSections(
  files: SectionFiles,
  options?: DecompressSectionsOptions,
): Promise<DecompressSectionsResult> {
  const plan = planLayout(files, options?.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES);
  if (typeof plan === 'string') return { ok: false, reason: plan };
  if (plan.compressed === 0) return { ok: true, sections: 0, bytes: 0 };

  const shrank = copyRange(files, 0, 0, plan.head);
  if (shrank !== undefined) return { ok: false, reason: shrank };
  const shoff = Buffer.alloc(8);
  shoff.writeBigUInt64LE(BigInt(plan.tableAt));
  files.write(shoff, EH.shoff);
  for (const { section, to } of plan.moved) {
    if (section.nobits) continue;
    const failed =
      section.zlib === undefined
        ? copyRange(files, section.offset, to, section.size)
        : await inflateSection(files, section, to);
    if (failed !== undefined) return { ok: false, reason: failed };
  }
  files.write(plan.table, plan.tableAt);
  return { ok: true, sections: plan.compressed, bytes: plan.bytes };
}

/**
 * Where a file written by decompressElfSections ends at least, from its ELF header
 * alone: its section header table comes last (with extended numbering, e_shnum 0,
 * the count is elsewhere and this is the table's start). A copy shorter than this
 * was cut short. undefined for a header it cannot have written.
 */
export function sectionTableEnd(ehdr: Buffer): number | undefined {
  if (ehdr.length < EHDR_SIZE || ehdr.readUInt32LE(0) !== ELF_MAGIC) return undefined;
  if (ehdr[EH.class] !== ELFCLASS64 || ehdr[EH.data] !== ELFDATA2LSB) return undefined;
  const shoff = u64Number(ehdr, EH.shoff);
  if (!Number.isSafeInteger(shoff) || shoff < EHDR_SIZE) return undefined;
  const shnum = ehdr.readUInt16LE(EH.shnum);
  return shoff + shnum * SHDR_SIZE;
}

/** The output's layout and its new section header table, or why there is none. */
function planLayout(fd: SectionFiles, maxBytes: number): Plan | string {
  const fileBytes = fd.sourceBytes;
  const ehdr = readAt(fd, 0, EHDR_SIZE);
  if (ehdr.length < EHDR_SIZE || ehdr.readUInt32LE(0) !== ELF_MAGIC) return 'not an ELF file';
  if (ehdr[EH.class] !== ELFCLASS64 || ehdr[EH.data] !== ELFDATA2LSB) {
    return 'unsupported: not a 64-bit little-endian ELF file';
  }
  const shoff = u64Number(ehdr, EH.shoff);
  const shentsize = ehdr.readUInt16LE(EH.shentsize);
  if (shoff === 0 && ehdr.readUInt16LE(EH.shnum) === 0) return emptyPlan();
  if (shentsize !== SHDR_SIZE) return `e_shentsize ${shentsize}, not ${SHDR_SIZE}`;
  if (shoff < EHDR_SIZE || shoff + SHDR_SIZE > fileBytes) {
    return `section header table at ${show(shoff)} outside the file (${fileBytes} bytes)`;
  }
  const first = readAt(fd, shoff, SHDR_SIZE);
  const shnum = ehdr.readUInt16LE(EH.shnum) || u64Number(first, SH.size);
  const shstrndx =
    ehdr.readUInt16LE(EH.shstrndx) === SHN_XINDEX
      ? first.readUInt32LE(SH.link)
      : ehdr.readUInt16LE(EH.shstrndx);
  if (shnum === 0) return emptyPlan();
  if (shnum > MAX_SHNUM) return `${show(shnum)} section headers, more than ${MAX_SHNUM}`;
  if (shoff + shnum * SHDR_SIZE > fileBytes) {
    return `section header table [${shoff}, ${shoff + shnum * SHDR_SIZE}) beyond the end of the file (${fileBytes} bytes)`;
  }
  if (shstrndx >= shnum) return `e_shstrndx ${shstrndx} with ${shnum} sections`;
  const table = readAt(fd, shoff, shnum * SHDR_SIZE);
  if (table.length !== shnum * SHDR_SIZE) return 'the file shrank while it was read';

  const sections: Section[] = [];
  for (let index = 1; index < shnum; index++) {
    const section = readSection(fd, table, index, fileBytes);
    if (typeof section === 'string') return section;
    sections.push(section);
  }
  const compressed = sections.filter((s) => s.zlib !== undefined);
  if (compressed.length === 0) return emptyPlan();
  const head = compressed.reduce((min, s) => Math.min(min, s.offset), Infinity);
  const kept = checkHead(fd, ehdr, first, head);
  if (kept !== undefined) return kept;

  // NOBITS offsets are unchecked and may be huge: compare, do not subtract.
  sections.sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : a.index - b.index));
  let end = 0;
  let previous = 0;
  for (const s of sections) {
    if (s.nobits || s.size === 0) continue;
    if (s.offset < end) return `sections ${previous} and ${s.index} overlap`;
    end = s.offset + s.size;
    previous = s.index;
  }

  const moved: Placement[] = [];
  let at = head;
  for (const s of sections) {
    if (s.offset < head) continue;
    if (s.nobits) {
      moved.push({ section: s, to: at });
      continue;
    }
    const align = s.zlib?.align ?? readAlign(table, s.index * SHDR_SIZE + SH.addralign);
    if (align === undefined) return `section ${s.index}: sh_addralign is not a power of two`;
    at = alignUp(at, align);
    moved.push({ section: s, to: at });
    at += s.zlib?.size ?? s.size;
    if (at > maxBytes) break;
  }
  const tableAt = alignUp(at, 8);
  const bytes = tableAt + table.length;
  if (bytes > maxBytes) return `the output would be over the limit of ${maxBytes} bytes`;

  for (const { section, to } of moved) {
    const header = section.index * SHDR_SIZE;
    table.writeBigUInt64LE(BigInt(to), header + SH.offset);
    if (section.zlib === undefined) continue;
    const flags = table.readBigUInt64LE(header + SH.flags);
    table.writeBigUInt64LE(flags & ~SHF_COMPRESSED, header + SH.flags);
    table.writeBigUInt64LE(BigInt(section.zlib.size), header + SH.size);
    table.writeBigUInt64LE(BigInt(section.zlib.align), header + SH.addralign);
  }
  return { head, moved, table, tableAt, bytes, compressed: compressed.length };
}

const emptyPlan = (): Plan => ({
  head: 0,
  moved: [],
  table: Buffer.alloc(0),
  tableAt: 0,
  bytes: 0,
  compressed: 0,
});

function readSection(
  fd: SectionFiles,
  table: Buffer,
  index: number,
  fileBytes: number,
): Section | string {
  const at = index * SHDR_SIZE;
  const nobits = table.readUInt32LE(at + SH.type) === SHT_NOBITS;
  const offset = u64Number(table, at + SH.offset);
  const size = nobits ? 0 : u64Number(table, at + SH.size);
  if (!nobits && offset + size > fileBytes) {
    return `section ${index}: data [${show(offset)}, ${show(offset + size)}) beyond the end of the file (${fileBytes} bytes)`;
  }
  if ((table.readBigUInt64LE(at + SH.flags) & SHF_COMPRESSED) === 0n) {
    return { index, nobits, offset, size, zlib: undefined };
  }
  if (nobits) return `section ${index}: SHT_NOBITS and compressed`;
  if (size < CHDR_SIZE) return `section ${index}: compressed, but smaller than its Elf64_Chdr`;
  const chdr = readAt(fd, offset, CHDR_SIZE);
  if (chdr.length !== CHDR_SIZE) return 'the file shrank while it was read';
  const type = chdr.readUInt32LE(CH.type);
  if (type !== ELFCOMPRESS_ZLIB) return `section ${index}: ch_type ${type}, not zlib (1)`;
  const align = readAlign(chdr, CH.addralign);
  if (align === undefined) return `section ${index}: ch_addralign is not a power of two`;
  return { index, nobits, offset, size, zlib: { size: u64Number(chdr, CH.size), align } };
}

/** The bytes before `head` stay in place: the headers and all segment data must be there. */
function checkHead(
  fd: SectionFiles,
  ehdr: Buffer,
  first: Buffer,
  head: number,
): string | undefined {
  if (head < EHDR_SIZE) return `a compressed section at ${head} overlaps the ELF header`;
  const phoff = u64Number(ehdr, EH.phoff);
  const phnum =
    ehdr.readUInt16LE(EH.phnum) === PN_XNUM
      ? first.readUInt32LE(SH.info)
      : ehdr.readUInt16LE(EH.phnum);
  if (phnum === 0) return undefined;
  const phentsize = ehdr.readUInt16LE(EH.phentsize);
  if (phentsize !== PHDR_SIZE) return `e_phentsize ${phentsize}, not ${PHDR_SIZE}`;
  if (phnum > MAX_PHNUM) return `${phnum} program headers, more than ${MAX_PHNUM}`;
  if (phoff + phnum * PHDR_SIZE > head) {
    return `the program header table reaches the first compressed section at ${head}`;
  }
  const phdrs = readAt(fd, phoff, phnum * PHDR_SIZE);
  if (phdrs.length !== phnum * PHDR_SIZE) return 'the file shrank while it was read';
  for (let i = 0; i < phnum; i++) {
    const offset = u64Number(phdrs, i * PHDR_SIZE + PH.offset);
    const filesz = u64Number(phdrs, i * PHDR_SIZE + PH.filesz);
    if (filesz > 0 && offset + filesz > head) {
      return `segment ${i}'s data reaches the first compressed section at ${head} and would move`;
    }
  }
  return undefined;
}

/** sh_addralign or ch_addralign: 0 and 1 mean none; else a power of two up to MAX_ALIGN. */
function readAlign(buf: Buffer, at: number): number | undefined {
  const align = buf.readBigUInt64LE(at);
  if (align <= 1n) return 1;
  return (align & (align - 1n)) === 0n && align <= MAX_ALIGN ? Number(align) : undefined;
}

const alignUp = (n: number, to: number): number => Math.ceil(n / to) * to;

/** u64Number gives Infinity for values past 2^53. */
const show = (n: number): string => (Number.isFinite(n) ? String(n) : 'over 2^53');

/** Inflates one section's zlib stream chunk by chunk into place; the reason it failed, if so. */
async function inflateSection(
  files: SectionFiles,
  section: Section,
  to: number,
): Promise<string | undefined> {
  const expected = section.zlib?.size ?? 0;
  const end = section.offset + section.size;
  let written = 0;
  let refusal: string | undefined;
  let ioError: Error | undefined;
  try {
    await pipeline(
      function* compressed() {
        for (let at = section.offset + CHDR_SIZE; at < end; at += CHUNK_BYTES) {
          const chunk = guardIo(() => readAt(files, at, Math.min(CHUNK_BYTES, end - at)));
          if (chunk.length === 0) {
            refusal = 'the file shrank while it was read';
            throw new Error(refusal);
          }
          yield chunk;
        }
      },
      createInflate({ chunkSize: CHUNK_BYTES }),
      async function place(inflated: AsyncIterable<Buffer>) {
        for await (const chunk of inflated) {
          if (written + chunk.length > expected) {
            refusal = `section ${section.index}: inflates to more than ch_size ${expected} bytes`;
            throw new Error(refusal);
          }
          guardIo(() => {
            files.write(chunk, to + written);
          });
          written += chunk.length;
        }
      },
    );
  } catch (error) {
    if (ioError !== undefined) throw ioError;
    if (refusal !== undefined) return refusal;
    const message = error instanceof Error ? error.message : String(error);
    return `section ${section.index}: zlib: ${message}`;
  }
  return written === expected
    ? undefined
    : `section ${section.index}: inflates to ${written} bytes, ch_size says ${expected}`;

  /** An fd's error is the caller's, not a property of the input: kept to rethrow as is. */
  function guardIo<T>(io: () => T): T {
    try {
      return io();
    } catch (error) {
      ioError = error instanceof Error ? error : new Error(String(error));
      throw ioError;
    }
  }
}

/** Copies bytes from the source to the copy in chunks; the reason it stopped short, if so. */
function copyRange(
  files: SectionFiles,
  from: number,
  to: number,
  bytes: number,
): string | undefined {
  const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, bytes));
  for (let done = 0; done < bytes;) {
    const n = files.read(chunk.subarray(0, Math.min(chunk.length, bytes - done)), from + done);
    if (n === 0) return 'the file shrank while it was read';
    files.write(chunk.subarray(0, n), to + done);
    done += n;
  }
  return undefined;
}

/** Up to `bytes` bytes at `position`: fewer only at the end of the file. */
function readAt(files: SectionFiles, position: number, bytes: number): Buffer {
  const buf = Buffer.allocUnsafe(bytes);
  let done = 0;
  while (done < bytes) {
    const n = files.read(buf.subarray(done), position + done);
    if (n === 0) break;
    done += n;
  }
  return buf.subarray(0, done);
}
