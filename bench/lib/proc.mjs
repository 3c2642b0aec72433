// What /proc tells about a process the bench did not start through rusage-wrap
// (socket mode's manager and the workers it starts): CPU in clock ticks from
// /proc/<pid>/stat (utime, stime, and cutime/cstime: the children it reaped),
// VmRSS/VmHWM from /proc/<pid>/status, and its children from
// /proc/<pid>/task/<pid>/children.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second (getconf CLK_TCK; 100 on Linux). */
export const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
export const ticksToMs = (ticks) => (ticks * 1000) / CLK_TCK;

const read = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/** { state, utime, stime, cutime, cstime } in ticks, or undefined once the pid is gone. */
export function procStat(pid) {
  const text = read(`/proc/${pid}/stat`);
  if (text === undefined) return undefined;
  // comm may hold spaces and parentheses: the fields start after the last ')'.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // f[0] is field 3 (state); utime is field 14, so f[11].
  return {
    state: f[0],
    utime: Number(f[11]),
    stime: Number(f[12]),
    cutime: Number(f[13]),
    cstime: Number(f[14]),
  };
}

/** { rssKiB, hwmKiB } from /proc/<pid>/status; undefined when gone or a zombie (no mm). */
export function procMemory(pid) {
  const text = read(`/proc/${pid}/status`);
  if (text === undefined) return undefined;
  const kib = (name) => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
    return m === null ? undefined : Number(m[1]);
  };
  const rssKiB = kib('VmRSS');
  const hwmKiB = kib('VmHWM');
  return rssKiB === undefined ? undefined : { rssKiB, hwmKiB };
}

/** Direct children of pid (every thread's list). */
export function procChildren(pid) {
  const out = new Set();
  let tasks;
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  for (const tid of tasks) {
    const text = read(`/proc/${pid}/task/${tid}/children`) ?? '';
    for (const c of text.split(' ').filter((x) => x !== '')) out.add(Number(c));
  }
  return [...out];
}

/** The process is still there and not yet reaped (a zombie counts as there). */
export const alive = (pid) => procStat(pid) !== undefined;

/**
 * The machine's CPU time so far, from /proc/stat's "cpu" line: busy (everything but
 * idle and iowait) in ms, summed over all CPUs, and how many CPUs there are. The
 * difference of two readings says how much of the machine a crash kept busy (in 10 ms
 * ticks: coarse, fine for hundreds of ms).
 */
export function machineCpu() {
  const lines = readFileSync('/proc/stat', 'utf8').split('\n');
  const all = lines[0].split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = all;
  return {
    busyMs: ticksToMs(user + nice + system + irq + softirq + steal),
    cpus: lines.filter((l) => /^cpu\d/.test(l)).length,
  };
}
