// The mini core: kept while the full core streams through the worker, forward only.
//
// From the stream: the ELF and program headers, the notes (first 64 threads' notes,
// NT_FILE up to 4 MiB), and from PT_LOAD data only each thread's stack window from
// SP-128 (page-aligned down; 1 MiB for the crashing thread, 256 KiB for the others),
// the stacks that signal frames on an alternate stack point back to, the first page of
// every mapping of a file at offset 0, the executable's program headers and the
// [vdso]. At finish, through readMemory when the process is still there: the dynamic
// linker's r_debug -> link_map chain and names. Written as a valid ELF core.
// Measurements: ../shared/reference/mini-core.md (variant P plus signal frames).
import { CaptureQueue } from './capture-queue.js';
import {
  type CoreHeader,
  countFromFirstPhdr,
  type CoreSegments,
  type ElfErrorCode,
  type ElfFailure,
  fail,
  findLoad,
  findLoadIn,
  MAX_PHNUM,
  parseCoreHeader,
  parsePhdrs,
  type Segment,
} from './core-layout.js';
import { EHDR_SIZE, EM_X86_64, PAGE_SIZE, PF_R, PF_W, PHDR_SIZE, PN_XNUM } from './format.js';
import { PageReader, type ReadMemory, walkLinkMap } from './link-map.js';
import { type CoreNote, interpretNotes, NoteReader } from './notes.js';
import { findAltstackFrames } from './signal-frame.js';
import { mergeMemory, type MemoryPiece } from './memory-ranges.js';
import { stackWindow, wantedMemory, type WantedRange, type WindowSizes } from './wanted-memory.js';
import { type MemoryRange, writeCore } from './write-core.js';

export type { ReadMemory } from './link-map.js';

export interface CoreObserver {
  /** Every chunk within the byte limit, in order; offset = core bytes before this chunk. The chunk is only valid during the call (the read buffer is reused: copy what you keep). */
  observe(chunk: Buffer, offset: number): void;
  end(info: { readonly bytes: number; readonly truncated: boolean }): void;
}

export interface MiniCoreOptions {
  /** Stack kept above the crashing thread's SP (default 1 MiB). */
  readonly crashingStackBytes?: number;
  /** Stack kept above each other thread's SP (default 256 KiB). */
  readonly threadStackBytes?: number;
  /** Threads whose notes and stacks are kept (default 64). */
  readonly maxThreads?: number;
  /** Largest NT_FILE note kept (default 4 MiB). */
  readonly maxFileNoteBytes?: number;
  /** Signal frames followed off an alternate stack, per thread (default 2). */
  readonly maxSignalFrames?: number;
  /** Memory kept from the stream, all ranges together (default 24 MiB); wanted in order of
   * importance: the crashing stack, the executable's headers, vdso, first pages, other stacks. */
  readonly maxKeptBytes?: number;
  /** First pages of file mappings kept (default 2048). */
  readonly maxFirstPages?: number;
  /** link_map entries followed (default 512). */
  readonly maxLinkMaps?: number;
  /** Pages read through readMemory (default 1024). */
  readonly maxMemoryPages?: number;
}

export interface MiniCoreInfo {
  /** Threads in the mini core (notes kept), and NT_PRSTATUS notes in the core. */
  readonly threads: number;
  readonly threadsInCore: number;
  readonly signal: number | undefined;
  readonly coreBytes: number;
  readonly truncated: boolean;
  readonly miniCoreBytes: number;
  readonly noteBytes: number;
  readonly memoryBytes: number;
  readonly segments: number;
  /** Stacks reached by following signal frames off an alternate stack. */
  readonly signalFrames: number;
  /** Wanted core bytes that had streamed by before they were known to be wanted. */
  readonly missedBytes: number;
  readonly linkMap: {
    readonly entries: number;
    readonly pages: number;
    /** Why the walk stopped early or did not run; undefined when it completed. */
    readonly error: string | undefined;
  };
}

export type MiniCoreResult =
  { readonly ok: true; readonly core: Buffer; readonly info: MiniCoreInfo } | ElfFailure;

export interface FinishOptions {
  /**
   * Wanted memory the stream did not carry (a dump stopped after its notes) is
   * read through readMemory instead, each range from its start for as long as
   * pages read. For a crashed process still held by the kernel.
   */
  readonly fillFromMemory?: boolean;
}

export interface MiniCoreBuilder extends CoreObserver {
  /** After end(): the mini core. readMemory reads the crashed process (link_map walk). */
  finish(readMemory?: ReadMemory, options?: FinishOptions): MiniCoreResult;
}

export type { ElfErrorCode, ElfFailure };

interface Kept {
  readonly address: bigint;
  readonly flags: number;
  readonly data: Buffer;
  /** The part of data that arrived: [from, to) (less than all when truncated or wanted late). */
  from: number;
  to: number;
}

function internal(error: unknown): ElfFailure {
  const message = error instanceof Error ? error.message : String(error);
  return fail('ELF_INTERNAL', `mini core builder defect: ${message}`);
}

export function createMiniCoreBuilder(opts: MiniCoreOptions = {}): MiniCoreBuilder {
  return new Builder(opts, false);
}

/** The parts of the builder that read header, program headers and notes, alone. */
export function readNotesOnly(
  core: Buffer,
): { notes: CoreNote[]; header: CoreHeader; threadsSeen: number } | ElfFailure {
  const builder = new Builder({}, true);
  builder.observe(core, 0);
  builder.end({ bytes: core.length, truncated: false });
  return builder.notesResult();
}

class Builder implements MiniCoreBuilder {
  private readonly queue = new CaptureQueue();
  private readonly sizes: WindowSizes;
  private readonly maxSignalFrames: number;
  private readonly maxKeptBytes: number;
  private failure: ElfFailure | undefined;
  private header: CoreHeader | undefined;
  private segments: CoreSegments | undefined;
  private noteReader: NoteReader;
  private keptBytes = 0;
  private readonly kept: Kept[] = [];
  private readonly stacks: Kept[] = [];
  private signalFrames = 0;
  private readonly framesPerThread = new Map<number, number>();
  private ended: { bytes: number; truncated: boolean } | undefined;

  constructor(
    private readonly opts: MiniCoreOptions,
    private readonly notesOnly: boolean,
  ) {
    this.sizes = {
      crashingStackBytes: BigInt(opts.crashingStackBytes ?? 1 << 20),
      threadStackBytes: BigInt(opts.threadStackBytes ?? 256 << 10),
      maxFirstPages: opts.maxFirstPages ?? 2048,
    };
    this.maxSignalFrames = opts.maxSignalFrames ?? 2;
    this.maxKeptBytes = opts.maxKeptBytes ?? 24 << 20;
    this.noteReader = this.newNoteReader();
    this.buffered(0, EHDR_SIZE, (ehdr) => {
      this.onHeader(ehdr);
    });
  }

  observe(chunk: Buffer, offset: number): void {
    if (this.failure !== undefined || this.ended !== undefined) return;
    if (offset !== this.queue.position) {
      this.failure = fail(
        'ELF_STREAM_ORDER',
        `chunk at ${offset}, expected ${this.queue.position}`,
      );
      return;
    }
    // The observer sits in the worker's core loop: a defect here must cost the mini
    // core, never the crash.
    try {
      this.queue.push(chunk, offset);
    } catch (error) {
      this.failure = internal(error);
    }
  }

  end(info: { readonly bytes: number; readonly truncated: boolean }): void {
    this.ended ??= { bytes: info.bytes, truncated: info.truncated };
  }

  notesResult(): { notes: CoreNote[]; header: CoreHeader; threadsSeen: number } | ElfFailure {
    const early = this.early();
    if (early !== undefined) return early;
    if (this.header === undefined) return fail('ELF_SHORT', 'the core ends inside the headers');
    return {
      notes: this.noteReader.kept,
      header: this.header,
      threadsSeen: this.noteReader.threadsSeen,
    };
  }

  finish(readMemory?: ReadMemory, options: FinishOptions = {}): MiniCoreResult {
    try {
      if (options.fillFromMemory === true && readMemory !== undefined) this.fill(readMemory);
      return this.build(readMemory);
    } catch (error) {
      return internal(error);
    }
  }

  private build(readMemory: ReadMemory | undefined): MiniCoreResult {
    const early = this.early();
    if (early !== undefined) return early;
    const { header } = this;
    if (header === undefined || this.segments === undefined) {
      return fail('ELF_SHORT', 'the core ends inside the headers');
    }
    const notes = this.noteReader.kept;
    const info = interpretNotes(notes, header.machine);
    if (info.threads.length === 0) return fail('ELF_NO_THREADS', 'no NT_PRSTATUS note');

    let memory: PageReader | undefined;
    let linkMap = { entries: 0, pages: 0, error: 'no readMemory' as string | undefined };
    if (readMemory !== undefined) {
      memory = new PageReader(readMemory, this.opts.maxMemoryPages ?? 1024);
      const walk = walkLinkMap(info.auxv, memory, this.opts.maxLinkMaps ?? 512);
      linkMap = {
        entries: walk.entries.length,
        pages: memory.pages.size,
        error: walk.ok ? undefined : walk.reason,
      };
    }
    const ranges = this.ranges(memory);
    const core = writeCore({
      osabi: header.osabi,
      machine: header.machine,
      flags: header.flags,
      notes,
      ranges,
    });
    const memoryBytes = ranges.reduce((sum, r) => sum + r.size, 0);
    return {
      ok: true,
      core,
      info: {
        threads: info.threads.length,
        threadsInCore: this.noteReader.threadsSeen,
        signal: info.signal,
        coreBytes: this.ended?.bytes ?? this.queue.position,
        truncated: this.ended?.truncated ?? false,
        miniCoreBytes: core.length,
        noteBytes: notes.reduce((sum, n) => sum + n.desc.length, 0),
        memoryBytes,
        segments: ranges.length,
        signalFrames: this.signalFrames,
        missedBytes: this.queue.missedBytes,
        linkMap,
      },
    };
  }

  private early(): ElfFailure | undefined {
    if (this.failure !== undefined) return this.failure;
    if (this.ended === undefined) return fail('ELF_NOT_ENDED', 'finish() before end()');
    return undefined;
  }

  private newNoteReader(): NoteReader {
    return new NoteReader({
      maxThreads: this.opts.maxThreads ?? 64,
      maxFileNoteBytes: this.opts.maxFileNoteBytes ?? 4 << 20,
      maxNoteBytes: 64 << 10,
      maxTotalBytes: 4 << 20,
    });
  }

  /** Capture [start, end) into one buffer and hand it over when complete. */
  private buffered(start: number, end: number, then: (bytes: Buffer) => void): void {
    const data = Buffer.alloc(end - start);
    let filled = 0;
    this.queue.want({
      start,
      end,
      sink: (bytes) => (filled += bytes.copy(data, filled)),
      complete: () => {
        if (filled === data.length) then(data);
        else this.failure ??= fail('ELF_BAD_PHDRS', 'headers overlap bytes already streamed by');
      },
    });
  }

  private onHeader(ehdr: Buffer): void {
    const parsed = parseCoreHeader(ehdr);
    if (!parsed.ok) {
      this.failure = parsed;
      return;
    }
    const { header } = parsed;
    this.header = header;
    if (header.phnum !== PN_XNUM) {
      this.buffered(header.phoff, header.phoff + header.phnum * PHDR_SIZE, (t) => {
        this.onPhdrs(t);
      });
      return;
    }
    this.buffered(header.phoff, header.phoff + PHDR_SIZE, (first) => {
      const count = countFromFirstPhdr(first, header.phoff);
      if (typeof count !== 'number') this.failure = count;
      else if (count === 1) this.onPhdrs(first);
      else {
        const restAt = header.phoff + PHDR_SIZE;
        this.buffered(restAt, header.phoff + count * PHDR_SIZE, (rest) => {
          this.onPhdrs(Buffer.concat([first, rest]));
        });
      }
    });
  }

  private onPhdrs(table: Buffer): void {
    if (table.length > MAX_PHNUM * PHDR_SIZE) {
      this.failure = fail('ELF_BAD_PHDRS', `more than ${MAX_PHNUM} program headers`);
      return;
    }
    const segments = parsePhdrs(table);
    this.segments = segments;
    // The kernel writes one PT_NOTE segment; a second one is ignored.
    const note = segments.notes[0];
    if (note === undefined) {
      this.failure = fail('ELF_NO_NOTES', 'no PT_NOTE segment');
      return;
    }
    this.queue.want({
      start: note.offset,
      end: note.offset + note.filesz,
      sink: (bytes) => {
        this.noteReader.feed(bytes);
      },
      complete: () => {
        this.onNotes();
      },
    });
  }

  private onNotes(): void {
    if (this.notesOnly || this.header === undefined || this.segments === undefined) return;
    const info = interpretNotes(this.noteReader.kept, this.header.machine);
    for (const want of wantedMemory(info, this.segments.loads, this.sizes)) this.keep(want);
  }

  /** Capture the part of a wanted address range that lies in one segment's file data. */
  private keep(want: WantedRange): void {
    const loads = this.segments?.loads ?? [];
    const segment: Segment | undefined = findLoadIn(loads, want.start, want.end);
    if (segment === undefined || want.end <= want.start) return;
    const start = want.start > segment.vaddr ? want.start : segment.vaddr;
    const segmentEnd = segment.vaddr + BigInt(segment.filesz);
    const end = want.end < segmentEnd ? want.end : segmentEnd;
    // A stack range already kept whole need not stream twice (threads sharing a window,
    // a signal frame pointing into a kept stack). Stacks only: at most a few hundred.
    if (want.thread !== undefined) {
      const covered = this.stacks.some(
        (k) => k.address <= start && k.address + BigInt(k.data.length) >= end,
      );
      if (covered) return;
    }
    const size = Number(end - start);
    if (this.keptBytes + size > this.maxKeptBytes) return;
    this.keptBytes += size;
    const from = segment.offset + Number(start - segment.vaddr);
    const kept: Kept = {
      address: start,
      flags: segment.flags,
      data: Buffer.alloc(size),
      from: -1,
      to: -1,
    };
    this.kept.push(kept);
    const thread = want.thread;
    if (thread !== undefined) this.stacks.push(kept);
    this.queue.want({
      start: from,
      end: from + kept.data.length,
      sink: (bytes, offset) => {
        const at = offset - from;
        if (kept.from < 0) kept.from = at;
        kept.to = at + bytes.copy(kept.data, at);
      },
      complete:
        thread === undefined
          ? undefined
          : () => {
              this.followSignalFrames(kept, thread);
            },
    });
  }

  /** A handler on an alternate stack: keep the interrupted stack its frame points to. */
  private followSignalFrames(kept: Kept, thread: number): void {
    if (this.header?.machine !== EM_X86_64 || kept.from !== 0) return;
    const done = this.framesPerThread.get(thread) ?? 0;
    const left = this.maxSignalFrames - done;
    if (left <= 0) return;
    const frames = findAltstackFrames(kept.data, kept.address, left);
    this.framesPerThread.set(thread, done + frames.length);
    for (const frame of frames) {
      this.signalFrames++;
      this.keep(stackWindow(frame.sp, thread, this.sizes));
    }
  }

  /**
   * Wanted ranges that did not arrive whole: read from their start through
   * readMemory, a page at a time, until a page does not read (then the prefix
   * read is kept). Into the ranges' own buffers, already sized within the
   * stream's byte budget (maxKeptBytes). Signal frames are not followed here.
   */
  private fill(readMemory: ReadMemory): void {
    if (this.early() !== undefined) return;
    for (const k of this.kept) {
      if (k.from === 0 && k.to === k.data.length) continue;
      let done = 0;
      while (done < k.data.length) {
        const at = k.address + BigInt(done);
        const n = Math.min(PAGE_SIZE - Number(at % BigInt(PAGE_SIZE)), k.data.length - done);
        const piece = readMemory(at, n);
        if (piece?.length !== n) break;
        done += piece.copy(k.data, done);
      }
      if (done > 0) {
        k.from = 0;
        k.to = done;
      }
    }
  }

  /** Kept memory, from the stream and from readMemory, as disjoint ranges in address order. */
  private ranges(memory: PageReader | undefined): MemoryRange[] {
    const pieces: MemoryPiece[] = [];
    for (const k of this.kept) {
      if (k.from < 0 || k.to <= k.from) continue;
      const data = k.data.subarray(k.from, k.to);
      pieces.push({ address: k.address + BigInt(k.from), flags: k.flags, data });
    }
    for (const [address, data] of memory?.pages ?? []) {
      const segment = findLoad(this.segments?.loads ?? [], address);
      pieces.push({ address, flags: segment?.flags ?? PF_R | PF_W, data });
    }
    return mergeMemory(pieces);
  }
}
