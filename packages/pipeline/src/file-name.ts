// The stored file's name (spec §6.2):
// core.<comm>.<uid>.<bootid>.<pid>.<timestamp usec>[.zst]

/** Characters xescape() replaces besides controls and bytes >= 0x7f. */
const ESCAPED = new Set([0x5c /* \ */, 0x2e /* . */, 0x2f /* / */, 0x20 /* space */]);

/** systemd's xescape(comm, "./ "): `\xNN` (lowercase hex) for each unsafe byte. */
export function escapeComm(comm: string | Buffer): string {
  const bytes = typeof comm === 'string' ? Buffer.from(comm, 'utf8') : comm;
  let out = '';
  for (const b of bytes) {
    if (b < 0x20 || b >= 0x7f || ESCAPED.has(b)) out += `\\x${b.toString(16).padStart(2, '0')}`;
    else out += String.fromCharCode(b);
  }
  return out;
}

export const COMPRESSED_SUFFIX = '.zst';

export interface FileNameParts {
  readonly comm: string;
  readonly uid: number;
  readonly bootId: string;
  readonly pid: number;
  readonly timestampUsec: number;
  readonly compressed: boolean;
}

export function makeCoreFileName(p: FileNameParts): string {
  const suffix = p.compressed ? COMPRESSED_SUFFIX : '';
  return `core.${escapeComm(p.comm)}.${String(p.uid)}.${p.bootId}.${String(p.pid)}.${String(p.timestampUsec)}${suffix}`;
}

/** The boot id file's text ("0f2a...-...") as 32 lowercase hex digits, no dashes. */
export function normalizeBootId(text: string): string {
  const id = text.trim().replaceAll('-', '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(id)) throw new Error(`malformed boot id: ${JSON.stringify(text)}`);
  return id;
}
