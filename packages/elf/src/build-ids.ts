// The GNU build-ids of the files a core maps, read from the core itself: the mini core
// keeps the first page of every file mapped at offset 0, where the linker puts the
// ELF header, the program headers and the build-id note. The worker uses them to find
// the separate debug files of a crash before the stack helper runs (debuginfo cache).
// The bytes came from the crashed process: every offset is checked against what is there.
import {
  countFromFirstPhdr,
  findLoad,
  parseCoreHeader,
  parsePhdrs,
  type CoreSegments,
} from './core-layout.js';
import {
  EH,
  EHDR_SIZE,
  ELF_MAGIC,
  ELFCLASS64,
  ELFDATA2LSB,
  NT_FILE,
  PH,
  PHDR_SIZE,
  PN_XNUM,
  PT_NOTE,
  u64Number,
} from './format.js';
import { NoteReader, parseFileNote, type CoreFileMapping } from './notes.js';

export interface ModuleBuildId {
  /** The mapped file's path, as NT_FILE gives it. */
  readonly path: string;
  /** Lower-case hex, as in /usr/lib/debug/.build-id/xx/yyyy.debug. */
  readonly buildId: string;
}

const NT_GNU_BUILD_ID = 3;
/** More program headers than this in a module's first page is not a module. */
const MAX_MODULE_PHNUM = 64;
/** Build-ids are 16-20 bytes in practice; the cap keeps a hostile note short. */
const MAX_BUILD_ID_BYTES = 64;

/**
 * One entry per file mapped at offset 0 whose first page the core holds and whose
 * headers carry a build-id note, in NT_FILE order, each path once. Anything damaged
 * or missing is skipped: the result is a hint, never a failure.
 */
export function moduleBuildIds(core: Buffer, maxModules = 512): ModuleBuildId[] {
  const segments = coreSegments(core);
  if (segments === undefined) return [];
  const { loads } = segments;
  const found: ModuleBuildId[] = [];
  const seen = new Set<string>();
  for (const file of fileMappings(core, segments)) {
    if (found.length >= maxModules) break;
    if (file.fileOffset !== 0n || seen.has(file.path)) continue;
    seen.add(file.path);
    const segment = findLoad(loads, file.start);
    if (segment === undefined) continue;
    const from = segment.offset + Number(file.start - segment.vaddr);
    const to = Math.min(segment.offset + segment.filesz, core.length);
    const buildId = buildIdOfImage(core.subarray(from, Math.max(from, to)));
    if (buildId !== undefined) found.push({ path: file.path, buildId });
  }
  return found;
}

function coreSegments(core: Buffer): CoreSegments | undefined {
  const parsed = parseCoreHeader(core.subarray(0, EHDR_SIZE));
  if (!parsed.ok) return undefined;
  const { phoff } = parsed.header;
  let phnum = parsed.header.phnum;
  if (phnum === PN_XNUM) {
    const count = countFromFirstPhdr(core.subarray(phoff, phoff + PHDR_SIZE), phoff);
    if (typeof count !== 'number') return undefined;
    phnum = count;
  }
  return parsePhdrs(core.subarray(phoff, phoff + phnum * PHDR_SIZE));
}

/** NT_FILE's mappings, from the notes segments held in the core (only that note is read). */
function fileMappings(core: Buffer, { notes }: CoreSegments): CoreFileMapping[] {
  for (const segment of notes) {
    const reader = new NoteReader();
    reader.feed(core.subarray(segment.offset, segment.offset + segment.filesz));
    const note = reader.kept.find((n) => n.name === 'CORE' && n.type === NT_FILE);
    if (note !== undefined) return parseFileNote(note.desc);
  }
  return [];
}

/** The build-id of an ELF image's headers as mapped (file offset 0 at image[0]). */
export function buildIdOfImage(image: Buffer): string | undefined {
  if (image.length < EHDR_SIZE || image.readUInt32LE(0) !== ELF_MAGIC) return undefined;
  if (image[EH.class] !== ELFCLASS64 || image[EH.data] !== ELFDATA2LSB) return undefined;
  const phoff = u64Number(image, EH.phoff);
  const phnum = image.readUInt16LE(EH.phnum);
  if (image.readUInt16LE(EH.phentsize) !== PHDR_SIZE || phnum > MAX_MODULE_PHNUM) return undefined;
  if (!Number.isSafeInteger(phoff) || phoff + phnum * PHDR_SIZE > image.length) return undefined;
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * PHDR_SIZE;
    if (image.readUInt32LE(at + PH.type) !== PT_NOTE) continue;
    const offset = u64Number(image, at + PH.offset);
    const size = u64Number(image, at + PH.filesz);
    if (!Number.isSafeInteger(offset + size) || offset + size > image.length) continue;
    const align = image.readBigUInt64LE(at + PH.align) === 8n ? 8 : 4;
    const id = buildIdInNotes(image.subarray(offset, offset + size), align);
    if (id !== undefined) return id;
  }
  return undefined;
}

function buildIdInNotes(notes: Buffer, align: number): string | undefined {
  const pad = (n: number): number => Math.ceil(n / align) * align;
  let at = 0;
  while (at + 12 <= notes.length) {
    const namesz = notes.readUInt32LE(at);
    const descsz = notes.readUInt32LE(at + 4);
    const type = notes.readUInt32LE(at + 8);
    const name = at + 12;
    const desc = name + pad(namesz);
    const next = desc + pad(descsz);
    if (next > notes.length || next <= at) return undefined;
    if (
      type === NT_GNU_BUILD_ID &&
      namesz === 4 &&
      notes.toString('latin1', name, name + 4) === 'GNU\0' &&
      descsz > 0 &&
      descsz <= MAX_BUILD_ID_BYTES
    ) {
      return notes.toString('hex', desc, desc + descsz);
    }
    at = next;
  }
  return undefined;
}
