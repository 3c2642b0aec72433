/**
 * Kernel core_pattern arguments, `%P %u %g %s %t %c %h %d %F %I` (spec §2.1, v262 rules
 * with from_argv=true). Pure: the pidfd match and the /proc reads happen later.
 */
import { hostname as localHostname } from 'node:os';
import { cescapeByte, type KernelCrashArgs } from '@coredump-ts/context';
import { CoredumpError, isSignalValid } from '@coredump-ts/protocol';

export const ARGV_REQUIRED = 6;
export const ARGV_MAX = 10;

const UINT64_MAX = (1n << 64n) - 1n;
const USEC_PER_SEC = 1_000_000;
const HOST_NAME_MAX = 64;

export interface KernelArgs extends KernelCrashArgs {
  readonly signal: number;
  readonly timestampUsec: number;
  readonly rlimit: bigint;
  readonly hostname: string;
  /** The pidfd the kernel installed for %F; undefined when absent or empty (old kernel). */
  readonly pidfd: number | undefined;
}

export interface ParsedArgv {
  readonly args: KernelArgs;
  /** Non-fatal problems, each one log line (warning or notice level). */
  readonly warnings: readonly string[];
}

const DECIMAL = /^[0-9]+$/;

const parseUnsigned = (s: string): bigint | undefined => (DECIMAL.test(s) ? BigInt(s) : undefined);

/** parse_pid: decimal, > 0, fits pid_t. */
const parsePid = (s: string): number | undefined => {
  const n = parseUnsigned(s);
  return n !== undefined && n > 0n && n <= 0x7fffffffn ? Number(n) : undefined;
};

/** parse_uid/parse_gid: decimal u32, excluding (uid_t)-1 and the 16-bit (uid_t)-1. */
const parseId = (s: string): number | undefined => {
  const n = parseUnsigned(s);
  if (n === undefined || n > 0xffffffffn || n === 0xffffffffn || n === 0xffffn) return undefined;
  return Number(n);
};

/** hostname_is_valid(s, 0): LDH labels separated by single dots, no trailing dot, <= 64. */
export const isValidHostname = (s: string): boolean => {
  if (s.length === 0 || s.length > HOST_NAME_MAX) return false;
  let dot = true;
  let hyphen = true;
  for (const c of s) {
    if (c === '.') {
      if (dot || hyphen) return false;
      dot = true;
      hyphen = false;
    } else if (c === '-') {
      if (dot) return false;
      dot = false;
      hyphen = true;
    } else {
      if (!/^[A-Za-z0-9]$/.test(c)) return false;
      dot = false;
      hyphen = false;
    }
  }
  return !dot && !hyphen;
};

/**
 * The COREDUMP_HOSTNAME= value for a %h that is not a valid hostname (any user can set one
 * in their own UTS namespace). The crash is recorded, never dropped for it: HOSTNAME is
 * mandatory in every receiver (systemd 252's too), so it is sent as systemd 252 sends it,
 * raw, when every byte is printable ASCII other than a backslash ("bad_host"); otherwise
 * byte by byte C-escaped (cescape), so no control byte or invalid UTF-8 reaches the journal.
 */
export const hostnameFieldValue = (raw: string): string => {
  const bytes = Buffer.from(raw, 'utf8');
  if (bytes.every((b) => b > 0x20 && b < 0x7f && b !== 0x5c)) return raw;
  return Array.from(bytes, cescapeByte).join('');
};

const argvError = (message: string): CoredumpError => new CoredumpError('ERR_ARGV', message);

/**
 * Parses the arguments after the program name. Throws ERR_ARGV for too few arguments or a
 * malformed required one (%P, %u, %g, %d, %F). A crash is never dropped for the rest: every
 * field the receiver makes mandatory gets a value, with a warning when it is not the
 * kernel's: %s -> 0, %t -> now, %c -> unlimited (store rather than lose), %h -> kept as
 * hostnameFieldValue() says, or this host's name when the pattern has no %h. A bad %I is
 * left out. Arguments beyond the tenth are ignored.
 */
export const parseKernelArgv = (argv: readonly string[]): ParsedArgv => {
  if (argv.length < ARGV_REQUIRED) {
    throw argvError(
      `Not enough arguments passed by the kernel (${argv.length}, expected between ${ARGV_REQUIRED} and ${ARGV_MAX}).`,
    );
  }
  const warnings: string[] = [];
  const at = (i: number): string | undefined => argv[i];

  const pidText = at(0) ?? '';
  const pid = parsePid(pidText);
  if (pid === undefined) throw argvError(`Failed to parse PID "${pidText}".`);
  const uidText = at(1) ?? '';
  const uid = parseId(uidText);
  if (uid === undefined) throw argvError(`Failed to parse UID "${uidText}".`);
  const gidText = at(2) ?? '';
  const gid = parseId(gidText);
  if (gid === undefined) throw argvError(`Failed to parse GID "${gidText}".`);

  const signalText = at(3) ?? '';
  const signalBig = parseUnsigned(signalText);
  let signal = 0;
  if (signalBig !== undefined && signalBig <= 64n && isSignalValid(Number(signalBig))) {
    signal = Number(signalBig);
  } else {
    warnings.push(`Failed to parse signal number "${signalText}", recording signal 0.`);
  }

  const timeText = at(4) ?? '';
  const seconds = parseUnsigned(timeText);
  let timestampUsec: number;
  if (seconds !== undefined && seconds * BigInt(USEC_PER_SEC) <= BigInt(Number.MAX_SAFE_INTEGER)) {
    timestampUsec = Number(seconds) * USEC_PER_SEC;
  } else {
    timestampUsec = Date.now() * 1000;
    warnings.push(`Failed to parse timestamp "${timeText}", recording the current time.`);
  }

  const rlimitText = at(5) ?? '';
  let rlimit = parseUnsigned(rlimitText);
  if (rlimit === undefined || rlimit > UINT64_MAX) {
    rlimit = UINT64_MAX;
    warnings.push(`Failed to parse resource limit "${rlimitText}", recording it as unlimited.`);
  }

  const hostText = at(6);
  let hostname: string;
  if (hostText === undefined) {
    hostname = hostnameFieldValue(localHostname());
  } else if (isValidHostname(hostText)) {
    hostname = hostText;
  } else {
    hostname = hostnameFieldValue(hostText);
    warnings.push(`Received coredump with an invalid hostname, recording it as: ${hostname}`);
  }

  let dumpable = 0;
  const dumpableText = at(7);
  if (dumpableText !== undefined) {
    const d = parseUnsigned(dumpableText);
    if (d === undefined || d > 0xffffffffn) {
      throw argvError(`Failed to parse dumpable mode "${dumpableText}".`);
    }
    dumpable = Number(d);
    if (dumpable > 2) warnings.push(`Got unexpected %d/dumpable value ${dumpable}.`);
  }

  let pidfd: number | undefined;
  const pidfdText = at(8);
  if (pidfdText !== undefined && pidfdText !== '') {
    const fd = parseUnsigned(pidfdText);
    if (fd === undefined || fd > 0x7fffffffn) {
      throw argvError(`Failed to parse pidfd "${pidfdText}".`);
    }
    pidfd = Number(fd);
  }

  let tid: number | undefined;
  const tidText = at(9);
  if (tidText !== undefined) {
    tid = parsePid(tidText);
    if (tid === undefined) warnings.push(`Failed to parse TID "${tidText}", ignoring.`);
  }

  return {
    args: { pid, uid, gid, signal, timestampUsec, rlimit, hostname, dumpable, pidfd, tid },
    warnings,
  };
};
