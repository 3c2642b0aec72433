/**
 * systemd 262's receive-side validation (spec §3.3, `coredump_context_parse_iovw`) of the
 * context fields, into the typed CrashMetadata; and the datagram source: the fields a
 * worker read from the socket, kept for the journal exactly as received.
 */
import {
  CoredumpError,
  FIELD,
  decodeDatagram,
  signalName,
  type JournalField,
} from '@coredump-ts/protocol';

import type { CrashMetadata, ReceivedContext } from './context.js';

export interface ReceiveOptions {
  readonly pidfdReceived: boolean;
  /** PID the received pidfd refers to; undefined when unknown or the process has exited. */
  readonly pidfdPid?: number;
}

/** The fields v262 matches against its metadata prefixes; only these are validated. */
export const PARSED_FIELDS: readonly string[] = [
  FIELD.PID,
  FIELD.UID,
  FIELD.GID,
  FIELD.SIGNAL,
  FIELD.TIMESTAMP,
  FIELD.RLIMIT,
  FIELD.HOSTNAME,
  FIELD.DUMPABLE,
  FIELD.BY_PIDFD,
  FIELD.TID,
  FIELD.COMM,
  FIELD.EXE,
  FIELD.UNIT,
  FIELD.PROC_AUXV,
  FIELD.THREAD_NAME,
  FIELD.CODE,
];

/** Do not add to this list: old senders must keep working (spec §3.4). */
export const MANDATORY_FIELDS: readonly string[] = [
  FIELD.PID,
  FIELD.UID,
  FIELD.GID,
  FIELD.SIGNAL,
  FIELD.TIMESTAMP,
  FIELD.RLIMIT,
  FIELD.HOSTNAME,
  FIELD.COMM,
];

const PARSED_SET: ReadonlySet<string> = new Set(PARSED_FIELDS);
const U64_MAX = (1n << 64n) - 1n;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const UINT32_MAX = 2 ** 32 - 1;
const DECIMAL = /^[0-9]+$/;
const SIGNED_DECIMAL = /^-?[0-9]+$/;

const badValue = (name: string, text: string): CoredumpError =>
  new CoredumpError('ERR_PROTOCOL', `Failed to parse ${name}= field: ${JSON.stringify(text)}`);

const parseU64 = (name: string, text: string): bigint => {
  if (!DECIMAL.test(text)) throw badValue(name, text);
  const v = BigInt(text);
  if (v > U64_MAX) throw badValue(name, text);
  return v;
};

const parseUsecOrSize = (name: string, text: string): number => {
  const v = parseU64(name, text);
  return v >= 2n ** 53n ? Infinity : Number(v);
};

const parseTimestamp = (name: string, text: string): number => {
  const v = parseU64(name, text);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw badValue(name, text);
  return Number(v);
};

const parsePid = (name: string, text: string): number => {
  const v = parseU64(name, text);
  if (v < 1n || v > BigInt(INT32_MAX)) throw badValue(name, text);
  return Number(v);
};

/** parse_uid()/parse_gid(): (uid_t)-1 and the 16-bit (uid_t)0xFFFF are invalid. */
const parseId = (name: string, text: string): number => {
  const v = parseU64(name, text);
  if (v >= BigInt(UINT32_MAX) || v === 0xffffn) throw badValue(name, text);
  return Number(v);
};

const parseInt32 = (name: string, text: string): number => {
  if (!SIGNED_DECIMAL.test(text)) throw badValue(name, text);
  const v = Number(text);
  if (v < INT32_MIN || v > INT32_MAX) throw badValue(name, text);
  return v;
};

const parseDumpable = (name: string, text: string): 0 | 1 | 2 => {
  const v = parseU64(name, text);
  return v === 1n ? 1 : v === 2n ? 2 : 0;
};

/**
 * Validates context fields as systemd's receiver does (duplicates, NULs, mandatory fields,
 * number ranges, the pidfd checks) and returns the typed metadata. Throws CoredumpError.
 */
export const parseContextFields = (
  fields: readonly JournalField[],
  opts: ReceiveOptions,
): CrashMetadata => {
  const raw = new Map<string, Buffer>();

  for (const f of fields) {
    if (PARSED_SET.has(f.name)) {
      if (f.name !== FIELD.PROC_AUXV && f.value.includes(0)) {
        throw new CoredumpError('ERR_PROTOCOL', `${f.name}= field contains NUL character.`);
      }
      if (raw.has(f.name)) {
        throw new CoredumpError(
          'ERR_DUPLICATE_FIELD',
          `Message contains duplicated field: ${f.name}`,
        );
      }
      raw.set(f.name, f.value);
    }
  }

  for (const name of MANDATORY_FIELDS) {
    if (!raw.has(name)) {
      throw new CoredumpError(
        'ERR_MISSING_FIELD',
        `Mandatory argument ${name} not received on socket.`,
      );
    }
  }

  const text = (name: string): string | undefined => raw.get(name)?.toString('utf8');
  const need = (name: string): string => text(name) ?? '';

  const pidText = need(FIELD.PID);
  const pid = parsePid(FIELD.PID, pidText);

  const byPidfdText = text(FIELD.BY_PIDFD);
  if (byPidfdText !== undefined) {
    if (byPidfdText !== '1') throw badValue(FIELD.BY_PIDFD, byPidfdText);
    if (!opts.pidfdReceived) {
      throw new CoredumpError('ERR_PROTOCOL', 'Received unexpected pidfd field without pidfd.');
    }
  }
  if (opts.pidfdReceived && opts.pidfdPid !== undefined && opts.pidfdPid !== pid) {
    throw new CoredumpError('ERR_PIDFD_MISMATCH', `Received conflicting pid: ${pidText}`);
  }

  const signal = parseInt32(FIELD.SIGNAL, need(FIELD.SIGNAL));
  const sigName = signalName(signal);
  const code = text(FIELD.CODE);
  const tid = text(FIELD.TID);
  const dumpable = text(FIELD.DUMPABLE);
  const threadName = text(FIELD.THREAD_NAME);
  const exe = text(FIELD.EXE);
  const unit = text(FIELD.UNIT);
  const pidfdId = fields.find((f) => f.name === FIELD.PIDFDID)?.value.toString('utf8');
  const auxv = raw.get(FIELD.PROC_AUXV);

  const meta: CrashMetadata = {
    pid,
    uid: parseId(FIELD.UID, need(FIELD.UID)),
    gid: parseId(FIELD.GID, need(FIELD.GID)),
    signal,
    ...(sigName !== undefined && { signalName: sigName }),
    ...(code !== undefined && { code: parseInt32(FIELD.CODE, code) }),
    timestampUsec: parseTimestamp(FIELD.TIMESTAMP, need(FIELD.TIMESTAMP)),
    rlimit: parseUsecOrSize(FIELD.RLIMIT, need(FIELD.RLIMIT)),
    hostname: need(FIELD.HOSTNAME),
    dumpable: dumpable === undefined ? 0 : parseDumpable(FIELD.DUMPABLE, dumpable),
    comm: need(FIELD.COMM),
    ...(tid !== undefined && { tid: parsePid(FIELD.TID, tid) }),
    ...(threadName !== undefined && { threadName }),
    ...(exe !== undefined && { exe }),
    ...(unit !== undefined && { unit }),
    byPidfd: byPidfdText === '1',
    ...(pidfdId !== undefined && { pidfdId }),
    ...(auxv !== undefined && { auxv }),
  };
  return meta;
};

/** The worker's source: datagrams read from the coredump socket, validated, kept as received. */
export const contextFromDatagrams = (
  datagrams: readonly Buffer[],
  opts: ReceiveOptions,
): ReceivedContext => {
  const received = datagrams.map(decodeDatagram);
  return { source: 'datagrams', meta: parseContextFields(received, opts), received };
};
