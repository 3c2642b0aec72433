// An entry's ordering fields as plain numbers, and the field names a query
// wants as bytes. Both serve the hot loops of a query (thousands of entries,
// tens of thousands of DATA objects): numbers in reused objects instead of an
// object and a string per entry read, bytes compared in place instead of a
// name string per DATA object.

/**
 * What sd-journal orders entries by, as JournalFile.readHead() fills it in:
 * a query keeps one per file and overwrites it entry after entry.
 */
export class HeadFields {
  seqnum = 0;
  realtimeUsec = 0;
  monotonicUsec = 0;
  /** boot_id as four little-endian 32-bit words */
  boot0 = 0;
  boot1 = 0;
  boot2 = 0;
  boot3 = 0;
  /** xor_hash as two unsigned 32-bit halves (exact 64-bit compares without BigInt) */
  xorHashHigh = 0;
  xorHashLow = 0;
}

export function sameBoot(a: HeadFields, b: HeadFields): boolean {
  return a.boot0 === b.boot0 && a.boot1 === b.boot1 && a.boot2 === b.boot2 && a.boot3 === b.boot3;
}

/** boot_id's 16 bytes as a latin1 string (EntryHead.bootId). */
export function bootIdText(h: HeadFields): string {
  const words = [h.boot0, h.boot1, h.boot2, h.boot3];
  const codes: number[] = [];
  for (const w of words) codes.push(w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, w >>> 24);
  return String.fromCharCode(...codes);
}

/** A wanted field name, its place in the wanted set and its bytes (field names are ASCII). */
export interface WantedName {
  readonly text: string;
  readonly index: number;
  readonly bytes: Buffer;
}

/** The wanted names, and the same by length (most payloads are of fields not wanted). */
export interface WantedNames {
  readonly list: readonly WantedName[];
  /** names of each length, at that index */
  readonly byLength: readonly (readonly WantedName[] | undefined)[];
}

const wantedCache = new WeakMap<ReadonlySet<string>, WantedNames>();

/** The names of `wanted` as bytes, built once per set. */
export function wantedNames(wanted: ReadonlySet<string>): WantedNames {
  let names = wantedCache.get(wanted);
  if (names === undefined) {
    const list = [...wanted].map((text, index) => ({
      text,
      index,
      bytes: Buffer.from(text, 'latin1'),
    }));
    const byLength: WantedName[][] = [];
    for (const w of list) (byLength[w.bytes.length] ??= []).push(w);
    names = { list, byLength };
    wantedCache.set(wanted, names);
  }
  return names;
}

/**
 * The wanted name a `NAME=value` payload at `buf[at...]` (`length` bytes
 * readable there) starts with, or undefined. The name ends at the first '='
 * (names hold none): only names of that length are compared, and a payload
 * without '=' in its first `length` bytes matches nothing (journalctl skips it).
 */
export function matchWantedName(
  names: WantedNames,
  buf: Uint8Array,
  at: number,
  length: number,
): WantedName | undefined {
  // The builtin, not Buffer#indexOf's wrapper: this runs for most DATA objects of a listing.
  const eq = Uint8Array.prototype.indexOf.call(buf, 0x3d, at) - at;
  if (eq < 0 || eq >= length) return undefined;
  const candidates = names.byLength[eq];
  if (candidates === undefined) return undefined;
  for (const name of candidates) {
    const bytes = name.bytes;
    let i = 0;
    while (i < eq && buf[at + i] === bytes[i]) i++;
    if (i === eq) return name;
  }
  return undefined;
}
