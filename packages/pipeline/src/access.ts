// Whether the crashing user may read the stored core (spec §9.4,
// systemd's grant_user_access). Pure: takes the core's first bytes and the
// auxv the handler sent, returns a decision and the message explaining it.
import { endianness } from 'node:os';

export const ELF_HEADER_PEEK_BYTES = 16;

const AT_NULL = 0n;
const AT_UID = 11n;
const AT_EUID = 12n;
const AT_GID = 13n;
const AT_EGID = 14n;
const AT_SECURE = 23n;

export interface AccessDecision {
  readonly grant: boolean;
  /** The line systemd logs for this outcome. */
  readonly message: string;
  /** 'info' for the spec's refusals, 'debug' for the final permit/restrict line. */
  readonly level: 'info' | 'debug';
}

export interface AccessInput {
  readonly dumpable: number;
  readonly uid: number;
  readonly auxv: Buffer | undefined;
  /** The first bytes of the core (at least ELF_HEADER_PEEK_BYTES when available). */
  readonly coreHead: Buffer;
}

type ElfClass = 4 | 8;

function refuse(message: string): AccessDecision {
  return { grant: false, message, level: 'info' };
}

/** Word size of the core per its ELF identification, or the refusal line. */
export function checkElfHeader(head: Buffer): ElfClass | AccessDecision {
  const EV_CURRENT = 1;
  if (
    head.length < ELF_HEADER_PEEK_BYTES ||
    head[0] !== 0x7f ||
    head.toString('latin1', 1, 4) !== 'ELF' ||
    head[6] !== EV_CURRENT
  ) {
    return refuse('Core file does not have ELF header, not adjusting permissions.');
  }
  const elfClass = head[4];
  if (elfClass !== 1 && elfClass !== 2) {
    return refuse('Core file has strange ELF class, not adjusting permissions.');
  }
  const nativeData = endianness() === 'LE' ? 1 : 2;
  if (head[5] !== nativeData) {
    return refuse('Core file has non-native endianness, not adjusting permissions.');
  }
  return elfClass === 1 ? 4 : 8;
}

export interface AuxvIds {
  uid: bigint;
  euid: bigint;
  gid: bigint;
  egid: bigint;
  secure: bigint;
}

/** Parse (key, value) words until AT_NULL. Throws on a partial pair or a missing key. */
export function parseAuxvIds(auxv: Buffer, wordBytes: ElfClass): AuxvIds {
  const pair = 2 * wordBytes;
  if (auxv.length % pair !== 0) {
    throw new Error(`Incomplete auxv structure (${String(auxv.length)} bytes).`);
  }
  const read = (off: number): bigint =>
    wordBytes === 8 ? auxv.readBigUInt64LE(off) : BigInt(auxv.readUInt32LE(off));
  const found = new Map<bigint, bigint>();
  for (let off = 0; off < auxv.length; off += pair) {
    const key = read(off);
    if (key === AT_NULL) break;
    found.set(key, read(off + wordBytes));
  }
  const get = (key: bigint, name: string): bigint => {
    const v = found.get(key);
    if (v === undefined) throw new Error(`auxv lacks ${name}.`);
    return v;
  };
  return {
    uid: get(AT_UID, 'AT_UID'),
    euid: get(AT_EUID, 'AT_EUID'),
    gid: get(AT_GID, 'AT_GID'),
    egid: get(AT_EGID, 'AT_EGID'),
    secure: get(AT_SECURE, 'AT_SECURE'),
  };
}

const SYSTEM_UID_MAX = 999;
const NOBODY_UID = 65534;

/** System, dynamic (61184-65519), greeter (60578-60705) and nobody uids never get an ACL. */
export function isRegularUserUid(uid: number): boolean {
  if (uid <= SYSTEM_UID_MAX) return false;
  if (uid >= 61184 && uid <= 65519) return false;
  if (uid >= 60578 && uid <= 60705) return false;
  return uid !== NOBODY_UID && uid !== 0xffffffff;
}

export function decideUserAccess(input: AccessInput): AccessDecision {
  if (input.auxv === undefined) return refuse('No auxv data, not adjusting permissions.');
  // Native endianness only, so a little-endian read of the auxv words is right
  // on every machine this runs on (x86-64, arm64, riscv64).
  const elf = checkElfHeader(input.coreHead);
  if (typeof elf !== 'number') return elf;
  let ids: AuxvIds;
  try {
    ids = parseAuxvIds(input.auxv, elf);
  } catch (error) {
    return { grant: false, message: (error as Error).message, level: 'debug' };
  }
  const permit =
    input.dumpable === 1 && ids.secure === 0n && ids.uid === ids.euid && ids.gid === ids.egid;
  const grant = permit && isRegularUserUid(input.uid);
  const message =
    `Will ${permit ? 'permit' : 'restrict'} access (dumpable=${String(input.dumpable)} ` +
    `uid=${String(ids.uid)} euid=${String(ids.euid)} gid=${String(ids.gid)} ` +
    `egid=${String(ids.egid)} at_secure=${ids.secure === 0n ? 'no' : 'yes'})`;
  return { grant, message, level: 'debug' };
}
