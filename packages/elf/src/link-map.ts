// The dynamic linker's module list, read from the crashed process's memory: the
// executable's program headers (AT_PHDR) -> PT_DYNAMIC -> DT_DEBUG -> struct r_debug ->
// the link_map chain and each l_name string. gdb and libdw name modules from it; the
// pages it touches are kept in the mini core whole (real memory, never zero fill).
// Every walk is bounded and the chain is checked for cycles.
import {
  AT_PHDR,
  AT_PHENT,
  AT_PHNUM,
  alignDown,
  DT_DEBUG,
  DT_NULL,
  PAGE_SIZE,
  PH,
  PHDR_SIZE,
  PT_DYNAMIC,
  PT_PHDR,
} from './format.js';

/** Reads the crashed process's memory; undefined when unreadable. */
export type ReadMemory = (address: bigint, length: number) => Buffer | undefined;

const PAGE = BigInt(PAGE_SIZE);
const MAX_EXEC_PHNUM = 256;
const MAX_DYNAMIC_ENTRIES = 4096;
const MAX_NAME_BYTES = 4096;
/** struct link_map's public head: l_addr, l_name, l_ld, l_next, l_prev. */
const LINK_MAP_BYTES = 40;
const R_DEBUG_BYTES = 40;

/** Whole pages read through ReadMemory, at most maxPages; failures are remembered. */
export class PageReader {
  readonly pages = new Map<bigint, Buffer>();
  private readonly unreadable = new Set<bigint>();

  constructor(
    private readonly readMemory: ReadMemory,
    private readonly maxPages: number,
  ) {}

  read(address: bigint, length: number): Buffer | undefined {
    if (address < 0n || length < 0 || address + BigInt(length) > 0xffffffffffffffffn) {
      return undefined;
    }
    const out = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const at = address + BigInt(done);
      const page = this.page(alignDown(at, PAGE));
      if (page === undefined) return undefined;
      const from = Number(at % PAGE);
      done += page.copy(out, done, from, Math.min(PAGE_SIZE, from + length - done));
    }
    return out;
  }

  u64(address: bigint): bigint | undefined {
    return this.read(address, 8)?.readBigUInt64LE(0);
  }

  /** A NUL-terminated string of at most MAX_NAME_BYTES. */
  string(address: bigint): string | undefined {
    let bytes = Buffer.alloc(0);
    let at = address;
    while (bytes.length < MAX_NAME_BYTES) {
      const n = Math.min(PAGE_SIZE - Number(at % PAGE), MAX_NAME_BYTES - bytes.length);
      const piece = this.read(at, n);
      if (piece === undefined) return undefined;
      const nul = piece.indexOf(0);
      if (nul >= 0) return Buffer.concat([bytes, piece.subarray(0, nul)]).toString('utf8');
      bytes = Buffer.concat([bytes, piece]);
      at += BigInt(n);
    }
    return undefined;
  }

  private page(address: bigint): Buffer | undefined {
    const cached = this.pages.get(address);
    if (cached !== undefined) return cached;
    if (this.unreadable.has(address) || this.pages.size >= this.maxPages) return undefined;
    let data: Buffer | undefined;
    try {
      data = this.readMemory(address, PAGE_SIZE);
    } catch {
      data = undefined;
    }
    if (data?.length !== PAGE_SIZE) {
      this.unreadable.add(address);
      return undefined;
    }
    const copy = Buffer.from(data);
    this.pages.set(address, copy);
    return copy;
  }
}

export interface LinkMapEntry {
  readonly address: bigint;
  readonly base: bigint;
  readonly name: string;
}

export type LinkMapWalk =
  | { readonly ok: true; readonly entries: readonly LinkMapEntry[] }
  | { readonly ok: false; readonly reason: string; readonly entries: readonly LinkMapEntry[] };

/** Follow AT_PHDR -> PT_DYNAMIC -> DT_DEBUG -> r_debug -> link_map, reading through `memory`. */
export function walkLinkMap(
  auxv: ReadonlyMap<bigint, bigint>,
  memory: PageReader,
  maxEntries: number,
): LinkMapWalk {
  const entries: LinkMapEntry[] = [];
  const stop = (reason: string): LinkMapWalk => ({ ok: false, reason, entries });
  const phdr = auxv.get(AT_PHDR);
  const phnum = Number(auxv.get(AT_PHNUM) ?? 0n);
  const phent = auxv.get(AT_PHENT) ?? BigInt(PHDR_SIZE);
  if (phdr === undefined || phnum === 0) return stop('no AT_PHDR/AT_PHNUM in the auxv');
  if (phent !== BigInt(PHDR_SIZE) || phnum > MAX_EXEC_PHNUM) return stop('odd AT_PHENT/AT_PHNUM');
  const table = memory.read(phdr, phnum * PHDR_SIZE);
  if (table === undefined) return stop("the executable's program headers are unreadable");
  let bias: bigint | undefined;
  let dynamic: { vaddr: bigint; size: bigint } | undefined;
  for (let at = 0; at < table.length; at += PHDR_SIZE) {
    const type = table.readUInt32LE(at + PH.type);
    const vaddr = table.readBigUInt64LE(at + PH.vaddr);
    if (type === PT_PHDR) bias = phdr - vaddr;
    if (type === PT_DYNAMIC) dynamic = { vaddr, size: table.readBigUInt64LE(at + 40) };
  }
  if (dynamic === undefined) return stop('the executable has no PT_DYNAMIC (static)');
  const dynamicAt = (bias ?? 0n) + dynamic.vaddr;
  const count = Math.min(Number(dynamic.size / 16n), MAX_DYNAMIC_ENTRIES);
  let rDebug: bigint | undefined;
  for (let i = 0; i < count; i++) {
    const tag = memory.u64(dynamicAt + BigInt(i * 16));
    if (tag === undefined) return stop('the dynamic section is unreadable');
    if (tag === DT_NULL) break;
    if (tag === DT_DEBUG) {
      rDebug = memory.u64(dynamicAt + BigInt(i * 16 + 8));
      break;
    }
  }
  if (rDebug === undefined || rDebug === 0n) return stop('DT_DEBUG is missing or not set');
  const head = memory.read(rDebug, R_DEBUG_BYTES);
  if (head === undefined) return stop('r_debug is unreadable');
  if (head.readInt32LE(0) < 1) return stop('r_debug.r_version is not set');
  const seen = new Set<bigint>();
  for (let link = head.readBigUInt64LE(8); link !== 0n;) {
    if (seen.has(link)) return stop('the link_map chain has a cycle');
    if (entries.length >= maxEntries) return stop(`more than ${maxEntries} link_map entries`);
    seen.add(link);
    const lm = memory.read(link, LINK_MAP_BYTES);
    if (lm === undefined) return stop('a link_map entry is unreadable');
    const name = memory.string(lm.readBigUInt64LE(8));
    if (name === undefined) return stop('a link_map name is unreadable');
    entries.push({ address: link, base: lm.readBigUInt64LE(0), name });
    link = lm.readBigUInt64LE(24);
  }
  return { ok: true, entries };
}
