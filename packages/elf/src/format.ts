// The facts of the 64-bit little-endian ELF core format that this package reads and
// writes: header and program-header field offsets, note types, auxv keys, and the
// x86-64 register layout in NT_PRSTATUS. One place, so the reader, the observer and
// the writer agree.

export const EHDR_SIZE = 64;
export const PHDR_SIZE = 56;
export const SHDR_SIZE = 64;
export const PAGE_SIZE = 4096;

export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const ET_CORE = 4;
export const EM_X86_64 = 62;

export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_NOTE = 4;
export const PT_PHDR = 6;
/** e_phnum value meaning "the real count is in section header 0's sh_info". */
export const PN_XNUM = 0xffff;

export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

export const NT_PRSTATUS = 1;
export const NT_PRPSINFO = 3;
export const NT_AUXV = 6;
export const NT_SIGINFO = 0x53494749;
export const NT_FILE = 0x46494c45;

export const AT_PHDR = 3n;
export const AT_PHENT = 4n;
export const AT_PHNUM = 5n;
export const AT_SYSINFO_EHDR = 33n;

export const DT_NULL = 0n;
export const DT_DEBUG = 21n;

/** struct elf_prstatus on x86-64: pr_cursig (u16), pr_pid (i32), pr_reg (user_regs_struct). */
export const PRSTATUS_CURSIG = 12;
export const PRSTATUS_PID = 32;
const PRSTATUS_REG = 112;
/** rip and rsp are entries 16 and 19 of user_regs_struct. */
export const PRSTATUS_X86_64_PC = PRSTATUS_REG + 16 * 8;
export const PRSTATUS_X86_64_SP = PRSTATUS_REG + 19 * 8;

/** ELF header fields (offsets into Elf64_Ehdr). */
export const EH = {
  ident: 0,
  class: 4,
  data: 5,
  type: 16,
  machine: 18,
  phoff: 32,
  shoff: 40,
  flags: 48,
  phentsize: 54,
  phnum: 56,
  shentsize: 58,
  shnum: 60,
  shstrndx: 62,
} as const;

/** Program header fields (offsets into Elf64_Phdr). */
export const PH = {
  type: 0,
  flags: 4,
  offset: 8,
  vaddr: 16,
  filesz: 32,
  memsz: 40,
  align: 48,
} as const;

/** Section header fields (offsets into Elf64_Shdr). */
export const SH = {
  name: 0,
  type: 4,
  flags: 8,
  addr: 16,
  offset: 24,
  size: 32,
  link: 40,
  info: 44,
  addralign: 48,
  entsize: 56,
} as const;

export const SHT_NOBITS = 8;
export const SHF_COMPRESSED = 0x800n;
/** e_shstrndx value meaning "the real index is in section header 0's sh_link". */
export const SHN_XINDEX = 0xffff;

/** Elf64_Chdr, at the start of an SHF_COMPRESSED section's data. */
export const CHDR_SIZE = 24;
export const CH = { type: 0, size: 8, addralign: 16 } as const;
export const ELFCOMPRESS_ZLIB = 1;

export const ELF_MAGIC = 0x464c457f; // "\x7fELF" read as a little-endian u32

export const alignDown = (n: bigint, to: bigint): bigint => n - (n % to);
export const align4 = (n: number): number => (n + 3) & ~3;

/** A u64 as a number when it fits exactly (file offsets and sizes), else Infinity. */
export function u64Number(buf: Buffer, at: number): number {
  const v = buf.readBigUInt64LE(at);
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : Infinity;
}
