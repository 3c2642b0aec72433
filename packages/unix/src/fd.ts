// File-descriptor helpers Node lacks. Every fd created here is close-on-exec.
import { readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { addon } from './addon.js';

export const F_SEAL_SEAL = 0x1;
export const F_SEAL_SHRINK = 0x2;
export const F_SEAL_GROW = 0x4;
export const F_SEAL_WRITE = 0x8;

export function memfdCreate(name: string, opts: { allowSealing?: boolean } = {}): number {
  return addon.memfdCreate(name, opts.allowSealing ?? false);
}

/**
 * A memfd holding `bytes`, its offset at 0: read forward from the start like a
 * pipe, or mapped. Closed again if the write fails.
 */
export function memfdWith(name: string, bytes: Buffer): number {
  const fd = memfdCreate(name);
  try {
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, done); // pwrite
  } catch (error) {
    addon.close(fd);
    throw error;
  }
  return fd;
}

/** F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL. */
export function sealMemfd(fd: number): void {
  addon.sealMemfd(fd);
}

export function getSeals(fd: number): number {
  return addon.getSeals(fd);
}

/** F_SETPIPE_SZ; returns the size the kernel granted (rounded up to pages). */
export function setPipeSize(fd: number, bytes: number): number {
  return addon.setPipeSize(fd, bytes);
}

/**
 * The core pipe's buffer, as large as allowed up to 16 MiB: the kernel then keeps
 * dumping while the handler and worker start, instead of blocking on 64 KiB.
 * Above fs.pipe-max-size (1 MiB by default) only with CAP_SYS_RESOURCE, which the
 * root handler and worker have. 16 MiB, not more: pages are used only as they
 * fill, but up to kernel.core_pipe_limit (64) crashes can be in flight at once,
 * so this bounds the kernel memory a crash storm can pin to 1 GiB.
 */
export const CORE_PIPE_SIZES_BYTES = [16 << 20, 4 << 20, 1 << 20] as const;

/** Ask for a bigger pipe buffer; returns the size granted, undefined if none was. */
export function enlargePipe(
  fd: number,
  sizes: readonly number[] = CORE_PIPE_SIZES_BYTES,
): number | undefined {
  for (const size of sizes) {
    try {
      return setPipeSize(fd, size);
    } catch {
      // not a pipe, over the limit for our privileges, or no memory: try smaller
    }
  }
  return undefined;
}

export function getPipeSize(fd: number): number {
  return addon.getPipeSize(fd);
}

/** A close-on-exec pipe: [readFd, writeFd]. */
export function pipe(): [number, number] {
  return addon.pipe();
}

export function pidfdOpen(pid: number, flags = 0): number {
  return addon.pidfdOpen(pid, flags);
}

/** The pid a pidfd refers to, from /proc/self/fdinfo; undefined once it has exited. */
export function pidfdPid(fd: number): number | undefined {
  const info = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
  const match = /^Pid:\s*(-?\d+)$/m.exec(info);
  if (match?.[1] === undefined) {
    throw Object.assign(new Error(`pidfdPid EINVAL: fd ${fd} is not a pidfd`), {
      code: 'EINVAL',
      errno: 22,
      syscall: 'pidfdPid',
    });
  }
  const pid = Number(match[1]);
  return pid > 0 ? pid : undefined;
}

/** An unnamed file in `dir` (O_TMPFILE | O_RDWR | O_CLOEXEC); see linkTmpfile(). */
export function openTmpfile(dir: string, mode: number): number {
  return addon.openTmpfile(dir, mode);
}

/** Give an O_TMPFILE fd the name dir/name; EEXIST if the name is taken. */
export function linkTmpfile(fd: number, dir: string, name: string): void {
  addon.linkTmpfile(fd, join(dir, name));
}

/** fallocate(PUNCH_HOLE | KEEP_SIZE): free the blocks, keep the size. */
export function punchHole(fd: number, offset: number, length: number): void {
  addon.punchHole(fd, offset, length);
}

/**
 * fsetxattr(2): set the extended attribute `name` of the open file `fd` to
 * `value` (created or replaced). Synchronous: one syscall on a local file.
 */
export function setXattr(fd: number, name: string, value: Buffer): void {
  addon.fsetxattr(fd, name, value);
}

/** prctl(PR_SET_DUMPABLE). */
export function setDumpable(on: boolean): void {
  addon.setDumpable(on);
}

export function getDumpable(): boolean {
  return addon.getDumpable() !== 0;
}

export function setCloexec(fd: number, on: boolean): void {
  addon.setCloexec(fd, on);
}

export function close(fd: number): void {
  addon.close(fd);
}
