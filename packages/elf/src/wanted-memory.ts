// Which memory of the crashed process the mini core wants, decided from the notes:
// stack windows, the executable's program headers, the [vdso], first pages of files.
import { findLoad, type Segment } from './core-layout.js';
import { alignDown, AT_PHDR, AT_PHNUM, AT_SYSINFO_EHDR, PAGE_SIZE, PHDR_SIZE } from './format.js';
import type { CoreNotesInfo } from './notes.js';

const PAGE = BigInt(PAGE_SIZE);
/** The x86-64 ABI's red zone: a leaf function's data below SP. */
const RED_ZONE = 128n;
const MAX_VDSO_BYTES = 64 << 10;
const MAX_EXEC_PHDR_BYTES = 64n << 10n;

export interface WantedRange {
  readonly start: bigint;
  readonly end: bigint;
  /** Stack window of this thread (index into the notes' threads), for signal frames. */
  readonly thread?: number;
}

export interface WindowSizes {
  readonly crashingStackBytes: bigint;
  readonly threadStackBytes: bigint;
  readonly maxFirstPages: number;
}

/** The window above a stack pointer: from SP-128 rounded down to a page. */
export function stackWindow(sp: bigint, thread: number, sizes: WindowSizes): WantedRange {
  const start = alignDown(sp - RED_ZONE, PAGE);
  const size = thread === 0 ? sizes.crashingStackBytes : sizes.threadStackBytes;
  return { start, end: start + size, thread };
}

/**
 * In order of importance, since the memory budget may run out: the crashing thread's
 * stack, the executable's program headers, the vdso, first pages of files mapped at
 * offset 0, the other threads' stacks.
 */
export function wantedMemory(
  info: CoreNotesInfo,
  loads: readonly Segment[],
  sizes: WindowSizes,
): WantedRange[] {
  const wants: WantedRange[] = [];
  const stack = (i: number): void => {
    const sp = info.threads[i]?.sp;
    if (sp !== undefined) wants.push(stackWindow(sp, i, sizes));
  };
  stack(0);
  const phdr = info.auxv.get(AT_PHDR);
  const phnum = info.auxv.get(AT_PHNUM);
  if (phdr !== undefined && phnum !== undefined) {
    const bytes = phnum * BigInt(PHDR_SIZE);
    const capped = bytes < MAX_EXEC_PHDR_BYTES ? bytes : MAX_EXEC_PHDR_BYTES;
    wants.push({ start: alignDown(phdr, PAGE), end: alignDown(phdr + capped + PAGE - 1n, PAGE) });
  }
  const vdso = info.auxv.get(AT_SYSINFO_EHDR);
  const vdsoSegment = vdso === undefined ? undefined : findLoad(loads, vdso);
  if (vdsoSegment !== undefined) {
    const size = Math.min(vdsoSegment.filesz, MAX_VDSO_BYTES);
    wants.push({ start: vdsoSegment.vaddr, end: vdsoSegment.vaddr + BigInt(size) });
  }
  let firstPages = 0;
  for (const file of info.files) {
    if (file.fileOffset !== 0n) continue;
    if (firstPages++ >= sizes.maxFirstPages) break;
    wants.push({ start: file.start, end: file.start + PAGE });
  }
  for (let i = 1; i < info.threads.length; i++) stack(i);
  return wants;
}
