/**
 * Journal field names used by systemd-coredump (spec §3.2, §4.1-§4.3), defined once here.
 */
import { CoredumpError } from './errors.js';

export const FIELD = {
  PID: 'COREDUMP_PID',
  BY_PIDFD: 'COREDUMP_BY_PIDFD',
  PIDFDID: 'COREDUMP_PIDFDID',
  UID: 'COREDUMP_UID',
  GID: 'COREDUMP_GID',
  SIGNAL: 'COREDUMP_SIGNAL',
  SIGNAL_NAME: 'COREDUMP_SIGNAL_NAME',
  CODE: 'COREDUMP_CODE',
  TIMESTAMP: 'COREDUMP_TIMESTAMP',
  RLIMIT: 'COREDUMP_RLIMIT',
  HOSTNAME: 'COREDUMP_HOSTNAME',
  DUMPABLE: 'COREDUMP_DUMPABLE',
  COMM: 'COREDUMP_COMM',
  TID: 'COREDUMP_TID',
  THREAD_NAME: 'COREDUMP_THREAD_NAME',
  EXE: 'COREDUMP_EXE',
  UNIT: 'COREDUMP_UNIT',
  USER_UNIT: 'COREDUMP_USER_UNIT',
  SESSION: 'COREDUMP_SESSION',
  OWNER_UID: 'COREDUMP_OWNER_UID',
  SLICE: 'COREDUMP_SLICE',
  CMDLINE: 'COREDUMP_CMDLINE',
  CGROUP: 'COREDUMP_CGROUP',
  OPEN_FDS: 'COREDUMP_OPEN_FDS',
  PROC_STATUS: 'COREDUMP_PROC_STATUS',
  PROC_MAPS: 'COREDUMP_PROC_MAPS',
  PROC_LIMITS: 'COREDUMP_PROC_LIMITS',
  PROC_CGROUP: 'COREDUMP_PROC_CGROUP',
  PROC_MOUNTINFO: 'COREDUMP_PROC_MOUNTINFO',
  PROC_AUXV: 'COREDUMP_PROC_AUXV',
  CWD: 'COREDUMP_CWD',
  ROOT: 'COREDUMP_ROOT',
  CONTAINER_CMDLINE: 'COREDUMP_CONTAINER_CMDLINE',
  ENVIRON: 'COREDUMP_ENVIRON',
  FORWARDED: 'COREDUMP_FORWARDED',
  FILENAME: 'COREDUMP_FILENAME',
  TRUNCATED: 'COREDUMP_TRUNCATED',
  PACKAGE_JSON: 'COREDUMP_PACKAGE_JSON',
  PACKAGE_NAME: 'COREDUMP_PACKAGE_NAME',
  PACKAGE_VERSION: 'COREDUMP_PACKAGE_VERSION',
  // Ours (docs/fields.md), in a namespace systemd will not use: the stack trace (issue 16).
  TS_STACKTRACE: 'COREDUMP_TS_STACKTRACE',
  TS_SIGNATURE: 'COREDUMP_TS_SIGNATURE',
  TS_SIGNATURE_BASIS: 'COREDUMP_TS_SIGNATURE_BASIS',
  TS_TOP_FRAME: 'COREDUMP_TS_TOP_FRAME',
  TS_CONTENT: 'COREDUMP_TS_CONTENT',
  COREDUMP: 'COREDUMP',
  MESSAGE: 'MESSAGE',
  MESSAGE_ID: 'MESSAGE_ID',
  PRIORITY: 'PRIORITY',
  SYSLOG_IDENTIFIER: 'SYSLOG_IDENTIFIER',
  SIZE_LIMIT: 'SIZE_LIMIT',
  // Flood control (issue 18, docs/fields.md): ours, in the COREDUMP_TS_ namespace.
  TS_RATE_LIMITED: 'COREDUMP_TS_RATE_LIMITED',
  TS_SUPPRESSED: 'COREDUMP_TS_SUPPRESSED',
} as const;

export type FieldName = (typeof FIELD)[keyof typeof FIELD];

export const MESSAGE_ID_COREDUMP = 'fc2e22bc6ee647b6b90729ab34a250b1';
export const MESSAGE_ID_BACKTRACE = '1f4e0a44a88649939aaea34fc6da8c95';
export const MESSAGE_ID_TRUNCATED_CORE = '5aadd8e954dc4b1a8c954d63fd9e1137';
export const PRIORITY_CRIT = 2;
export const SYSLOG_IDENTIFIER_COREDUMP = 'systemd-coredump';

export interface JournalField {
  readonly name: string;
  readonly value: Buffer;
}

export const field = (name: string, value: string | Buffer | number): JournalField => ({
  name,
  value: Buffer.isBuffer(value) ? value : Buffer.from(String(value), 'utf8'),
});

/** systemd 262 `coredump_context_build_iovw` order (spec §3.2), before PRIORITY/MESSAGE_ID. */
export const CONTEXT_FIELD_ORDER: readonly FieldName[] = [
  FIELD.PID,
  FIELD.BY_PIDFD,
  FIELD.PIDFDID,
  FIELD.UID,
  FIELD.GID,
  FIELD.SIGNAL,
  FIELD.SIGNAL_NAME,
  FIELD.CODE,
  FIELD.TIMESTAMP,
  FIELD.RLIMIT,
  FIELD.HOSTNAME,
  FIELD.DUMPABLE,
  FIELD.COMM,
  FIELD.TID,
  FIELD.THREAD_NAME,
  FIELD.EXE,
  FIELD.UNIT,
  FIELD.USER_UNIT,
  FIELD.SESSION,
  FIELD.OWNER_UID,
  FIELD.SLICE,
  FIELD.CMDLINE,
  FIELD.CGROUP,
  FIELD.OPEN_FDS,
  FIELD.PROC_STATUS,
  FIELD.PROC_MAPS,
  FIELD.PROC_LIMITS,
  FIELD.PROC_CGROUP,
  FIELD.PROC_MOUNTINFO,
  FIELD.PROC_AUXV,
  FIELD.CWD,
  FIELD.ROOT,
  FIELD.CONTAINER_CMDLINE,
  FIELD.ENVIRON,
  FIELD.FORWARDED,
];

const ORDER_SET: ReadonlySet<string> = new Set(CONTEXT_FIELD_ORDER);

/**
 * Emits the values present, in CONTEXT_FIELD_ORDER, then PRIORITY=2 and
 * MESSAGE_ID=fc2e…. A key outside the order is a programming error: it throws
 * ERR_PROTOCOL rather than being silently dropped or misplaced.
 */
export const buildContextFields = (values: ReadonlyMap<string, Buffer>): JournalField[] => {
  for (const name of values.keys()) {
    if (!ORDER_SET.has(name)) {
      throw new CoredumpError('ERR_PROTOCOL', `Field ${name} is not a context field.`);
    }
  }
  const out: JournalField[] = [];
  for (const name of CONTEXT_FIELD_ORDER) {
    const value = values.get(name);
    if (value !== undefined) out.push({ name, value });
  }
  out.push(field(FIELD.PRIORITY, PRIORITY_CRIT), field(FIELD.MESSAGE_ID, MESSAGE_ID_COREDUMP));
  return out;
};
