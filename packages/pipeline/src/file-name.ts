// The stored file's name (spec §6.2):
// core.<comm>.<uid>.<bootid>.<pid>.<timestamp usec>[.zst]

/** Characters xescape() replaces besides controls and bytes >= 0x7f. */
const ESCAPED = new Set([0x5c /* \ */, 0x2e /* . */, 0x2f /* / */, 0x20 /* space */]);

const escapeByte = (b: number): string =>
  b < 0x20 || b >= 0x7f || ESCAPED.has(b)
    ? `\\x${b.toString(16).padStart(2, '0')}`
    : String.fromCharCode(b);

const commBytes = (comm: string | Buffer): Buffer =>
  typeof comm === 'string' ? Buffer.from(comm, 'utf8') : comm;

/** systemd's xescape(comm, "./ "): `\xNN` (lowercase hex) for each unsafe byte. */
export function escapeComm(comm: string | Buffer): string {
  let out = '';
  for (const b of commBytes(comm)) out += escapeByte(b);
  return out;
}

/** NAME_MAX: a longer name fails with ENAMETOOLONG and the core would be lost. */
export const NAME_MAX = 255;

/** 32-bit FNV-1a of the bytes, 8 lowercase hex digits: tells shortened COMMs apart. */
const fnv1a = (bytes: Uint8Array): string => {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
};

/**
 * The escaped COMM cut to `budget` characters, never inside a `\xNN` escape, then
 * `~` and the FNV-1a of the whole COMM. The result has no '.', so the name still
 * splits into its six parts; uid, boot id, pid and timestamp keep it unique.
 */
const shortenedComm = (comm: string | Buffer, budget: number): string => {
  const bytes = commBytes(comm);
  const tag = `~${fnv1a(bytes)}`;
  let out = '';
  for (const b of bytes) {
    const e = escapeByte(b);
    if (out.length + e.length + tag.length > budget) break;
    out += e;
  }
  return out + tag;
};

export const COMPRESSED_SUFFIX = '.zst';

export interface FileNameParts {
  readonly comm: string;
  readonly uid: number;
  readonly bootId: string;
  readonly pid: number;
  readonly timestampUsec: number;
  readonly compressed: boolean;
}

/**
 * core.<comm>.<uid>.<boot>.<pid>.<usec>[.zst]; when that would pass NAME_MAX (a COMM
 * a sender chose), the COMM part is shortened (shortenedComm) so the name fits.
 */
export function makeCoreFileName(p: FileNameParts): string {
  const suffix = p.compressed ? COMPRESSED_SUFFIX : '';
  const rest = `.${String(p.uid)}.${p.bootId}.${String(p.pid)}.${String(p.timestampUsec)}${suffix}`;
  const comm = escapeComm(p.comm);
  const budget = NAME_MAX - 'core.'.length - rest.length;
  return `core.${comm.length <= budget ? comm : shortenedComm(p.comm, budget)}${rest}`;
}

/** The boot id file's text ("0f2a...-...") as 32 lowercase hex digits, no dashes. */
export function normalizeBootId(text: string): string {
  const id = text.trim().replaceAll('-', '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(id)) throw new Error(`malformed boot id: ${JSON.stringify(text)}`);
  return id;
}
