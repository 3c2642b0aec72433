// Just enough ELF to check that bytes are a core dump and look inside its notes.
import { execFile } from 'node:child_process';
import { fstatSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
export const ET_CORE = 4;
export const PT_NOTE = 4;
export const NT_PRSTATUS = 1;
export const NT_PRPSINFO = 3;

export interface ElfNote {
  name: string;
  type: number;
  desc: Buffer;
}

/** True when the buffer starts with an ELF header whose e_type is ET_CORE. */
export function isElfCore(data: Buffer): boolean {
  if (data.length < 64 || !data.subarray(0, 4).equals(ELF_MAGIC)) return false;
  const bigEndian = data[5] === 2;
  return (bigEndian ? data.readUInt16BE(16) : data.readUInt16LE(16)) === ET_CORE;
}

const align4 = (n: number): number => (n + 3) & ~3;

/** Every note in the PT_NOTE segments of a 64-bit ELF core. Throws on anything else. */
export function readCoreNotes(core: Buffer): ElfNote[] {
  if (!isElfCore(core)) throw new Error('not an ELF core');
  if (core[4] !== 2) throw new Error('not a 64-bit ELF file');
  const be = core[5] === 2;
  const u16 = (o: number): number => (be ? core.readUInt16BE(o) : core.readUInt16LE(o));
  const u32 = (o: number): number => (be ? core.readUInt32BE(o) : core.readUInt32LE(o));
  const u64 = (o: number): number => Number(be ? core.readBigUInt64BE(o) : core.readBigUInt64LE(o));
  const phoff = u64(32);
  const phentsize = u16(54);
  const phnum = u16(56);
  const notes: ElfNote[] = [];
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (u32(ph) !== PT_NOTE) continue;
    const start = u64(ph + 8);
    const end = start + u64(ph + 32);
    if (end > core.length) throw new Error('PT_NOTE segment past the end of the core');
    for (let o = start; o + 12 <= end;) {
      const namesz = u32(o);
      const descsz = u32(o + 4);
      const type = u32(o + 8);
      const nameStart = o + 12;
      const descStart = nameStart + align4(namesz);
      const name = core.toString('latin1', nameStart, nameStart + namesz).replace(/\0+$/, '');
      notes.push({ name, type, desc: core.subarray(descStart, descStart + descsz) });
      o = descStart + align4(descsz);
    }
  }
  return notes;
}

/** The number of threads in a core: one NT_PRSTATUS note each. */
export function countCoreThreads(core: Buffer): number {
  return readCoreNotes(core).filter((n) => n.type === NT_PRSTATUS && n.name === 'CORE').length;
}

export interface CoreLoad {
  vaddr: bigint;
  offset: number;
  size: number;
}

/** The PT_LOAD segments with file data of a 64-bit little-endian core (PN_XNUM too). */
export function coreLoads(core: Buffer): CoreLoad[] {
  const phoff = Number(core.readBigUInt64LE(32));
  let phnum = core.readUInt16LE(56);
  if (phnum === 0xffff) phnum = core.readUInt32LE(Number(core.readBigUInt64LE(40)) + 44);
  const out: CoreLoad[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * 56;
    if (core.readUInt32LE(at) !== 1) continue;
    out.push({
      vaddr: core.readBigUInt64LE(at + 16),
      offset: Number(core.readBigUInt64LE(at + 8)),
      size: Number(core.readBigUInt64LE(at + 32)),
    });
  }
  return out;
}

/** decompressElfSections' files over two fds, with node:fs (the elf package does no I/O). */
export function fdSectionFiles(src: number, out: number): SectionFilesOverFds {
  return {
    sourceBytes: fstatSync(src).size,
    read: (buffer, position) => readSync(src, buffer, 0, buffer.length, position),
    write: (buffer, position) => {
      for (let done = 0; done < buffer.length;) {
        done += writeSync(out, buffer, done, buffer.length - done, position + done);
      }
    },
  };
}

export interface SectionFilesOverFds {
  readonly sourceBytes: number;
  read(buffer: Buffer, position: number): number;
  write(buffer: Buffer, position: number): void;
}

/**
 * A C program built with `gcc -g -O1` into dir, and its separate debug file as Debian's
 * -dbg packages ship them (objcopy --only-keep-debug --compress-debug-sections=zlib):
 * dir/<name> and dir/<name>.debug.
 */
export async function buildCompressedDebug(
  dir: string,
  source: string,
  name = 'prog',
): Promise<{ readonly program: string; readonly debug: string }> {
  const src = join(dir, `${name}.c`);
  const program = join(dir, name);
  const debug = join(dir, `${name}.debug`);
  writeFileSync(src, source);
  await execFileAsync('gcc', ['-g', '-O1', '-o', program, src]);
  await execFileAsync('objcopy', [
    '--only-keep-debug',
    '--compress-debug-sections=zlib',
    program,
    debug,
  ]);
  return { program, debug };
}
