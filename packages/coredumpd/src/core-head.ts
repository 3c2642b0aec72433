// The crashing signal from the core's own notes. Kernels before 6.19 have no
// PIDFD_INFO_COREDUMP_SIGNAL, but every ELF core starts with the ELF header, the
// program headers (the PT_NOTE one first) and then the notes, the crashing
// thread's first: NT_PRSTATUS (pr_cursig), NT_PRPSINFO, NT_SIGINFO (si_signo).
// signalFromCoreHead looks at the bytes read so far and either answers or says
// how many bytes it needs; readCoreHead does the reading. Everything read is
// handed on with the rest of the stream, so nothing is lost.
import { readSync } from 'node:fs';

import { CoredumpError, isSignalValid } from '@coredump-ts/protocol';

const ELF_MAGIC = 0x7f454c46; // "\x7fELF", big-endian read
const ELFCLASS32 = 1;
const ELFCLASS64 = 2;
const ELFDATA2LSB = 1;
const ELFDATA2MSB = 2;
const ET_CORE = 4;
const PT_NOTE = 4;
const NT_PRSTATUS = 1;
const NT_SIGINFO = 0x53494749;
/** pr_cursig in struct elf_prstatus follows pr_info (three ints), both classes. */
const PR_CURSIG_OFFSET = 12;

/** Most bytes read for the head: the phdrs of 65535 mappings are 3.7 MB. */
export const CORE_HEAD_MAX_BYTES = 8 * 1024 * 1024;
/** Most notes looked at: the signal notes are the first and the third. */
const MAX_NOTES = 16;

export type CoreHead =
  | { readonly kind: 'need'; readonly bytes: number }
  | {
      readonly kind: 'done';
      /** undefined when the head says nothing usable (reason tells why). */
      readonly signal: number | undefined;
      readonly source?: 'NT_SIGINFO' | 'NT_PRSTATUS';
      readonly reason?: string;
    };

const unknown = (reason: string): CoreHead => ({ kind: 'done', signal: undefined, reason });
const need = (bytes: number): CoreHead =>
  bytes > CORE_HEAD_MAX_BYTES
    ? unknown('the notes are too far into the core')
    : { kind: 'need', bytes };

interface Reader {
  u16(off: number): number;
  u32(off: number): number;
  i32(off: number): number;
  /** An address-sized field (u32 or u64) as a number; Infinity when it does not fit. */
  addr(off: number): number;
}

function readerFor(b: Buffer, is64: boolean, little: boolean): Reader {
  return {
    u16: (off) => (little ? b.readUInt16LE(off) : b.readUInt16BE(off)),
    u32: (off) => (little ? b.readUInt32LE(off) : b.readUInt32BE(off)),
    i32: (off) => (little ? b.readInt32LE(off) : b.readInt32BE(off)),
    addr: (off) => {
      if (!is64) return little ? b.readUInt32LE(off) : b.readUInt32BE(off);
      const v = little ? b.readBigUInt64LE(off) : b.readBigUInt64BE(off);
      return v > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(v);
    },
  };
}

const align4 = (n: number): number => (n + 3) & ~3;

type NoteSegment = {
  readonly kind: 'notes';
  readonly offset: number;
  readonly size: number;
  readonly r: Reader;
};

/** Where the PT_NOTE segment is, from the ELF and program headers in `head`. */
function noteSegment(head: Buffer, eof: boolean): NoteSegment | CoreHead {
  const have = (n: number): boolean => head.length >= n;
  const want = (n: number): CoreHead => (eof ? unknown('the core ended early') : need(n));
  if (!have(16)) return want(16);
  if (head.readUInt32BE(0) !== ELF_MAGIC) return unknown('not an ELF file');
  const cls = head[4];
  const data = head[5];
  if (
    (cls !== ELFCLASS32 && cls !== ELFCLASS64) ||
    (data !== ELFDATA2LSB && data !== ELFDATA2MSB)
  ) {
    return unknown('unknown ELF class or byte order');
  }
  const is64 = cls === ELFCLASS64;
  const r = readerFor(head, is64, data === ELFDATA2LSB);
  const ehsize = is64 ? 64 : 52;
  if (!have(ehsize)) return want(ehsize);
  if (r.u16(16) !== ET_CORE) return unknown('not an ELF core');
  const phoff = r.addr(is64 ? 32 : 28);
  const phentsize = r.u16(is64 ? 54 : 42);
  const phnum = r.u16(is64 ? 56 : 44); // PN_XNUM (0xffff) only bounds the scan below
  if (phentsize < (is64 ? 56 : 32) || !Number.isFinite(phoff))
    return unknown('bad program headers');

  // The kernel writes the PT_NOTE header first; look further only if it is not.
  let notes: { offset: number; size: number } | undefined;
  for (let i = 0; i < phnum && notes === undefined; i++) {
    const ph = phoff + i * phentsize;
    if (!have(ph + phentsize)) return want(ph + phentsize);
    if (r.u32(ph) !== PT_NOTE) continue;
    notes = is64
      ? { offset: r.addr(ph + 8), size: r.addr(ph + 32) }
      : { offset: r.addr(ph + 4), size: r.addr(ph + 16) };
  }
  if (notes === undefined || !Number.isFinite(notes.offset) || !Number.isFinite(notes.size)) {
    return unknown('no PT_NOTE segment');
  }
  return { kind: 'notes', ...notes, r };
}

/**
 * What the first `head.length` bytes of a core say about its signal. `eof`: the
 * stream ended there (no more bytes will come). Pure; never throws on bad input.
 */
export function signalFromCoreHead(head: Buffer, eof = false): CoreHead {
  const have = (n: number): boolean => head.length >= n;
  const want = (n: number): CoreHead => (eof ? unknown('the core ended early') : need(n));
  const notes = noteSegment(head, eof);
  if (notes.kind !== 'notes') return notes;
  const { r } = notes;

  let prstatusSignal: number | undefined;
  const end = notes.offset + notes.size;
  let off = notes.offset;
  for (let n = 0; n < MAX_NOTES && off + 12 <= end; n++) {
    if (!have(off + 12)) return want(off + 12);
    const namesz = r.u32(off);
    const descsz = r.u32(off + 4);
    const type = r.u32(off + 8);
    const desc = off + 12 + align4(namesz);
    const next = desc + align4(descsz);
    if (next > end || next <= off) return unknown('malformed note');
    const isCore = namesz === 5;
    if (isCore && type === NT_SIGINFO && descsz >= 4) {
      if (!have(desc + 4)) return want(desc + 4);
      const signal = r.i32(desc);
      if (isSignalValid(signal)) return { kind: 'done', signal, source: 'NT_SIGINFO' };
    }
    if (
      isCore &&
      type === NT_PRSTATUS &&
      prstatusSignal === undefined &&
      descsz >= PR_CURSIG_OFFSET + 2
    ) {
      if (!have(desc + PR_CURSIG_OFFSET + 2)) return want(desc + PR_CURSIG_OFFSET + 2);
      const signal = r.u16(desc + PR_CURSIG_OFFSET);
      if (isSignalValid(signal)) prstatusSignal = signal;
    }
    off = next;
  }
  return prstatusSignal !== undefined
    ? { kind: 'done', signal: prstatusSignal, source: 'NT_PRSTATUS' }
    : unknown('no NT_SIGINFO or NT_PRSTATUS note with a signal');
}

export interface ReadCoreHead {
  /** Every byte read; whoever reads the core next must get these first. */
  readonly head: Buffer;
  readonly result: Extract<CoreHead, { kind: 'done' }>;
  /** The stream ended within the head. */
  readonly eof: boolean;
}

/** Up to `length` bytes from a blocking fd: fewer only when the stream ends (eof). */
function readUpTo(fd: number, length: number): { readonly bytes: Buffer; readonly eof: boolean } {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    let n: number;
    try {
      n = readSync(fd, buf, got, length - got, null);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EINTR') continue;
      throw new CoredumpError('ERR_CORE_READ', 'Failed to read the core', { cause: error });
    }
    if (n === 0) return { bytes: buf.subarray(0, got), eof: true };
    got += n;
  }
  return { bytes: buf, eof: false };
}

/** Read from a blocking fd until signalFromCoreHead can answer (or the stream ends). */
export function readCoreHead(fd: number): ReadCoreHead {
  let head = Buffer.alloc(0);
  let eof = false;
  for (;;) {
    const step = signalFromCoreHead(head, eof);
    if (step.kind === 'done') return { head, result: step, eof };
    const more = readUpTo(fd, step.bytes - head.length);
    eof = more.eof;
    head = Buffer.concat([head, more.bytes]);
  }
}

/**
 * head, extended from fd to the end of the core's PT_NOTE segment (every note:
 * registers of every thread, NT_FILE, NT_AUXV), at most CORE_HEAD_MAX_BYTES.
 * For a dump about to be stopped: the notes say which memory a trace needs.
 */
export function readThroughNotes(fd: number, head: Buffer): Buffer {
  const notes = noteSegment(head, false);
  if (notes.kind !== 'notes') return head;
  const end = Math.min(notes.offset + notes.size, CORE_HEAD_MAX_BYTES);
  if (end <= head.length) return head;
  return Buffer.concat([head, readUpTo(fd, end - head.length).bytes]);
}
