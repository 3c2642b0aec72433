/**
 * Reads the crashing process's metadata from /proc (spec §4.1). The root is injectable so
 * tests can point it at a fixture tree. COMM is mandatory; every other field is optional
 * and skipped when it cannot be read.
 */
import { readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { CoredumpError, FIELD } from '@coredump-ts/protocol';
import { cgroupPathFromProc, shiftCgroupPath, unitsFromCgroupPath } from './cgroup-unit.js';
import { cellescape, escapeEnviron, quoteCmdline } from './escape.js';

export const DEFAULT_PROC_ROOT = '/proc';

const tryRead = (path: string): Buffer | undefined => {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
};

const tryReadlink = (path: string): string | undefined => {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
};

const firstLine = (b: Buffer): Buffer => {
  const nl = b.indexOf(0x0a);
  return nl < 0 ? b : b.subarray(0, nl);
};

/** /proc/<pid>/comm, cellescaped; ERR_PROC_READ (ERR_PID_GONE on ENOENT) when unreadable. */
export const readComm = (procRoot: string, pid: number): string => {
  try {
    return cellescape(firstLine(readFileSync(`${procRoot}/${pid}/comm`)));
  } catch (error) {
    const gone = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new CoredumpError(
      gone ? 'ERR_PID_GONE' : 'ERR_PROC_READ',
      `Failed to get COMM: ${(error as Error).message}`,
      { cause: error },
    );
  }
};

const readThreadName = (procRoot: string, tid: number): string | undefined => {
  const b = tryRead(`${procRoot}/${tid}/comm`);
  return b === undefined ? undefined : cellescape(firstLine(b));
};

const DELETED = ' (deleted)';

const readExe = (procRoot: string, pid: number): string | undefined => {
  const exe = tryReadlink(`${procRoot}/${pid}/exe`);
  return exe?.endsWith(DELETED) === true ? exe.slice(0, -DELETED.length) : exe;
};

/** compose_open_fds: `<fd>:<target>\n` + fdinfo lines, entries separated by a blank line. */
export const composeOpenFds = (procRoot: string, pid: number): Buffer | undefined => {
  // readdirSync, in the directory's order as readdir(3) gives it: not opendirSync, whose
  // fs.Dir module Node loads on first use (1-2 ms of a crash, profiled).
  let names: string[];
  try {
    names = readdirSync(`${procRoot}/${pid}/fd`);
  } catch {
    return undefined;
  }
  const entries: Buffer[] = [];
  for (const name of names) {
    const target = tryReadlink(`${procRoot}/${pid}/fd/${name}`);
    if (target === undefined) return undefined;
    const parts: Buffer[] = [Buffer.from(`${name}:${target}\n`)];
    const info = tryRead(`${procRoot}/${pid}/fdinfo/${name}`);
    if (info !== undefined && info.length > 0) {
      parts.push(info);
      if (info[info.length - 1] !== 0x0a) parts.push(Buffer.from('\n'));
    }
    entries.push(Buffer.concat(parts));
  }
  const out: Buffer[] = [];
  entries.forEach((e, i) => {
    if (i > 0) out.push(Buffer.from('\n'));
    out.push(e);
  });
  return Buffer.concat(out);
};

const sameFile = (a: string, b: string): boolean | undefined => {
  try {
    const sa = statSync(a, { bigint: true });
    const sb = statSync(b, { bigint: true });
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return undefined;
  }
};

const ppidOf = (procRoot: string, pid: number): number | undefined => {
  const status = tryRead(`${procRoot}/${pid}/status`)?.toString('latin1');
  const m = status === undefined ? null : /^PPid:\s*(\d+)$/m.exec(status);
  const ppid = m?.[1] === undefined ? 0 : Number(m[1]);
  return ppid > 0 ? ppid : undefined;
};

/**
 * get_process_container_parent_cmdline: when the process's root is not PID 1's root, the
 * quoted cmdline of the leader of its mount namespace (the top-most ancestor still in it).
 */
const containerCmdline = (procRoot: string, pid: number): Buffer | undefined => {
  const same = sameFile(`${procRoot}/${pid}/root`, `${procRoot}/1/root`);
  if (same !== false) return undefined;
  const mntns = (p: number): string | undefined => tryReadlink(`${procRoot}/${p}/ns/mnt`);
  const ns = mntns(pid);
  if (ns === undefined) return undefined;
  let leader = pid;
  for (let hops = 0; hops < 4096; hops++) {
    const ppid = ppidOf(procRoot, leader);
    if (ppid === undefined) return undefined;
    const parentNs = mntns(ppid);
    if (parentNs === undefined) return undefined;
    if (parentNs !== ns) break;
    leader = ppid;
  }
  const raw = tryRead(`${procRoot}/${leader}/cmdline`);
  return raw === undefined ? undefined : quoteCmdline(raw);
};

export interface ProcCollection {
  /** Context fields by name (FIELD.*), to be ordered by buildContextFields. */
  readonly values: Map<string, Buffer>;
  /** COREDUMP_UNIT, '' when unknown. */
  readonly unit: string;
}

/** Everything in spec §4.1 read from /proc except COMM (read first, by readComm). */
export const collectProcFields = (procRoot: string, pid: number, tid?: number): ProcCollection => {
  const values = new Map<string, Buffer>();
  const put = (name: string, value: Buffer | string | undefined): void => {
    if (value !== undefined) values.set(name, Buffer.isBuffer(value) ? value : Buffer.from(value));
  };
  const base = `${procRoot}/${pid}`;

  if (tid !== undefined) put(FIELD.THREAD_NAME, readThreadName(procRoot, tid));
  put(FIELD.EXE, readExe(procRoot, pid));

  const procCgroup = tryRead(`${base}/cgroup`);
  const rawPath = procCgroup === undefined ? undefined : cgroupPathFromProc(procCgroup.toString());
  let unit = '';
  if (rawPath !== undefined) {
    const pid1 = tryRead(`${procRoot}/1/cgroup`);
    const path = shiftCgroupPath(rawPath, pid1 && cgroupPathFromProc(pid1.toString()));
    const units = unitsFromCgroupPath(path);
    unit = units.unit ?? '';
    put(FIELD.USER_UNIT, units.userUnit);
    put(FIELD.SESSION, units.session);
    put(FIELD.OWNER_UID, units.ownerUid);
    put(FIELD.SLICE, units.slice);
    put(FIELD.CGROUP, path);
  }
  put(FIELD.UNIT, unit);

  const cmdline = tryRead(`${base}/cmdline`);
  put(FIELD.CMDLINE, cmdline && quoteCmdline(cmdline));
  put(FIELD.OPEN_FDS, composeOpenFds(procRoot, pid));
  put(FIELD.PROC_STATUS, tryRead(`${base}/status`));
  put(FIELD.PROC_MAPS, tryRead(`${base}/maps`));
  put(FIELD.PROC_LIMITS, tryRead(`${base}/limits`));
  put(FIELD.PROC_CGROUP, procCgroup);
  put(FIELD.PROC_MOUNTINFO, tryRead(`${base}/mountinfo`));
  put(FIELD.PROC_AUXV, tryRead(`${base}/auxv`));
  put(FIELD.CWD, tryReadlink(`${base}/cwd`));
  const root = tryReadlink(`${base}/root`);
  put(FIELD.ROOT, root);
  if (root === '/') put(FIELD.CONTAINER_CMDLINE, containerCmdline(procRoot, pid));
  const environ = tryRead(`${base}/environ`);
  put(FIELD.ENVIRON, environ && escapeEnviron(environ));
  return { values, unit };
};
