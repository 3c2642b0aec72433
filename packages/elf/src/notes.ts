// ELF notes: a forward-only note reader that keeps only the notes the mini core
// needs (bounded), and the interpretation of the kept notes (signal, threads with
// their SP/PC, file mappings, auxv).
import {
  align4,
  EM_X86_64,
  NT_AUXV,
  NT_FILE,
  NT_PRSTATUS,
  NT_SIGINFO,
  PRSTATUS_CURSIG,
  PRSTATUS_PID,
  PRSTATUS_X86_64_PC,
  PRSTATUS_X86_64_SP,
} from './format.js';

export interface CoreNote {
  readonly name: string;
  readonly type: number;
  readonly desc: Buffer;
}

export interface CoreThread {
  readonly tid: number;
  /** Stack and instruction pointer from NT_PRSTATUS; undefined on machines other than x86-64. */
  readonly sp: bigint | undefined;
  readonly pc: bigint | undefined;
}

export interface CoreFileMapping {
  readonly start: bigint;
  readonly end: bigint;
  /** Offset into the file in bytes (NT_FILE stores pages). */
  readonly fileOffset: bigint;
  readonly path: string;
}

export interface CoreNotesInfo {
  /** NT_SIGINFO si_signo, else the first NT_PRSTATUS pr_cursig; undefined when neither says. */
  readonly signal: number | undefined;
  /** One per NT_PRSTATUS, in core order: the first is the thread that crashed. */
  readonly threads: readonly CoreThread[];
  readonly files: readonly CoreFileMapping[];
  readonly auxv: ReadonlyMap<bigint, bigint>;
}

export interface NoteLimits {
  /** Threads whose notes are kept (each NT_PRSTATUS starts a thread's notes). */
  readonly maxThreads: number;
  /** Largest NT_FILE kept. */
  readonly maxFileNoteBytes: number;
  /** Largest other note kept. */
  readonly maxNoteBytes: number;
  /** All kept notes together, NT_FILE excluded. */
  readonly maxTotalBytes: number;
}

export const DEFAULT_NOTE_LIMITS: NoteLimits = {
  maxThreads: 64,
  maxFileNoteBytes: 4 << 20,
  maxNoteBytes: 64 << 10,
  maxTotalBytes: 4 << 20,
};

/** Names longer than this are not a kernel's note ("CORE", "LINUX"): stop reading. */
const MAX_NAME_BYTES = 64;
const NOTE_HEADER_BYTES = 12;

/**
 * Reads a PT_NOTE segment as it streams by, in pieces of any size, and keeps the notes
 * of the first maxThreads threads plus the process-wide ones, each copied and bounded.
 * Malformed input (an absurd name size) stops the reader; what was kept stays.
 */
export class NoteReader {
  readonly kept: CoreNote[] = [];
  threadsSeen = 0;
  dropped = 0;
  stopped = false;
  private keptBytes = 0;
  private readonly head = Buffer.alloc(NOTE_HEADER_BYTES);
  private headFill = 0;
  private nameBuf = Buffer.alloc(0);
  private nameFill = 0;
  private namesz = 0;
  private descsz = 0;
  private type = 0;
  private desc: Buffer | undefined;
  private descFill = 0;
  /** Bytes still to consume for the current note's desc (padded), kept or not. */
  private descLeft = 0;
  private state: 'head' | 'name' | 'desc' = 'head';

  constructor(private readonly limits: NoteLimits = DEFAULT_NOTE_LIMITS) {}

  feed(bytes: Buffer): void {
    let at = 0;
    while (at < bytes.length && !this.stopped) {
      if (this.state === 'head') {
        const n = Math.min(NOTE_HEADER_BYTES - this.headFill, bytes.length - at);
        bytes.copy(this.head, this.headFill, at, at + n);
        this.headFill += n;
        at += n;
        if (this.headFill === NOTE_HEADER_BYTES) this.startNote();
      } else if (this.state === 'name') {
        const n = Math.min(this.nameBuf.length - this.nameFill, bytes.length - at);
        bytes.copy(this.nameBuf, this.nameFill, at, at + n);
        this.nameFill += n;
        at += n;
        if (this.nameFill === this.nameBuf.length) this.startDesc();
      } else {
        const n = Math.min(this.descLeft, bytes.length - at);
        if (this.desc !== undefined && this.descFill < this.desc.length) {
          const copy = Math.min(n, this.desc.length - this.descFill);
          bytes.copy(this.desc, this.descFill, at, at + copy);
          this.descFill += copy;
        }
        this.descLeft -= n;
        at += n;
        if (this.descLeft === 0) this.endNote();
      }
    }
  }

  private startNote(): void {
    this.namesz = this.head.readUInt32LE(0);
    this.descsz = this.head.readUInt32LE(4);
    this.type = this.head.readUInt32LE(8);
    this.headFill = 0;
    if (this.namesz > MAX_NAME_BYTES) {
      this.stopped = true;
      return;
    }
    this.nameBuf = Buffer.alloc(align4(this.namesz));
    this.nameFill = 0;
    this.state = 'name';
    if (this.nameBuf.length === 0) this.startDesc();
  }

  private startDesc(): void {
    const name = noteName(this.nameBuf, this.namesz);
    if (this.type === NT_PRSTATUS && name === 'CORE') this.threadsSeen++;
    const cap = this.type === NT_FILE ? this.limits.maxFileNoteBytes : this.limits.maxNoteBytes;
    const budget = this.type === NT_FILE ? cap : this.limits.maxTotalBytes - this.keptBytes;
    const keep =
      this.threadsSeen <= this.limits.maxThreads && this.descsz <= cap && this.descsz <= budget;
    this.desc = keep ? Buffer.alloc(this.descsz) : undefined;
    if (keep && this.type !== NT_FILE) this.keptBytes += this.descsz;
    if (!keep) this.dropped++;
    this.descFill = 0;
    // Padded size as a plain number: descsz is a u32, so this stays exact.
    this.descLeft = this.descsz + ((4 - (this.descsz % 4)) % 4);
    this.state = 'desc';
    if (this.descLeft === 0) this.endNote();
  }

  private endNote(): void {
    if (this.desc !== undefined) {
      this.kept.push({
        name: noteName(this.nameBuf, this.namesz),
        type: this.type,
        desc: this.desc,
      });
    }
    this.desc = undefined;
    this.state = 'head';
  }
}

function noteName(buf: Buffer, namesz: number): string {
  const end = buf.indexOf(0);
  return buf.toString('latin1', 0, end >= 0 && end < namesz ? end : namesz);
}

/** What the kept notes say. Every field is read with bounds checks: notes are untrusted. */
export function interpretNotes(notes: readonly CoreNote[], machine: number): CoreNotesInfo {
  const threads: CoreThread[] = [];
  let files: CoreFileMapping[] = [];
  const auxv = new Map<bigint, bigint>();
  let siginfoSigno: number | undefined;
  let firstCursig: number | undefined;
  for (const note of notes) {
    const { desc } = note;
    if (note.name === 'CORE' && note.type === NT_PRSTATUS) {
      if (desc.length < PRSTATUS_PID + 4) continue;
      if (threads.length === 0) firstCursig = desc.readUInt16LE(PRSTATUS_CURSIG);
      const regs = machine === EM_X86_64 && desc.length >= PRSTATUS_X86_64_SP + 8;
      threads.push({
        tid: desc.readInt32LE(PRSTATUS_PID),
        sp: regs ? desc.readBigUInt64LE(PRSTATUS_X86_64_SP) : undefined,
        pc: regs ? desc.readBigUInt64LE(PRSTATUS_X86_64_PC) : undefined,
      });
    } else if (note.name === 'CORE' && note.type === NT_SIGINFO && desc.length >= 4) {
      siginfoSigno ??= desc.readInt32LE(0);
    } else if (note.name === 'CORE' && note.type === NT_AUXV) {
      for (let at = 0; at + 16 <= desc.length; at += 16) {
        const key = desc.readBigUInt64LE(at);
        if (key === 0n) break;
        if (!auxv.has(key)) auxv.set(key, desc.readBigUInt64LE(at + 8));
      }
    } else if (note.name === 'CORE' && note.type === NT_FILE && files.length === 0) {
      files = parseFileNote(desc);
    }
  }
  const signal = siginfoSigno !== undefined && siginfoSigno > 0 ? siginfoSigno : firstCursig;
  return { signal: signal === 0 ? undefined : signal, threads, files, auxv };
}

/** NT_FILE: count, page size, count x (start, end, page offset), then count NUL-ended paths. */
export function parseFileNote(desc: Buffer): CoreFileMapping[] {
  if (desc.length < 16) return [];
  const declared = desc.readBigUInt64LE(0);
  const pageSize = desc.readBigUInt64LE(8);
  const fits = BigInt(Math.floor((desc.length - 16) / 24));
  const count = Number(declared < fits ? declared : fits);
  const files: CoreFileMapping[] = [];
  let name = 16 + count * 24;
  for (let i = 0; i < count; i++) {
    const at = 16 + i * 24;
    const nul = desc.indexOf(0, name);
    const end = nul < 0 ? desc.length : nul;
    files.push({
      start: desc.readBigUInt64LE(at),
      end: desc.readBigUInt64LE(at + 8),
      fileOffset: desc.readBigUInt64LE(at + 16) * pageSize,
      path: desc.toString('utf8', Math.min(name, desc.length), end),
    });
    name = end + 1;
  }
  return files;
}
