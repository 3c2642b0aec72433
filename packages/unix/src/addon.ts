// Loads the compiled addon. The path is resolved relative to this module, so
// it works both from src/ (vitest) and from dist/ (built binaries).
import { createRequire } from 'node:module';

export interface RawRecvResult {
  data: Buffer;
  fds: number[];
  eof: boolean;
  truncated: boolean;
  controlTruncated: boolean;
}

/** The C functions, exactly as addon.c registers them (all arguments explicit). */
export interface Addon {
  constants: { SOCK_STREAM: number; SOCK_DGRAM: number; SOCK_SEQPACKET: number };
  socket(type: number): number;
  socketpair(type: number): [number, number];
  connect(fd: number, path: string): void;
  bind(fd: number, path: string): void;
  listen(fd: number, backlog: number): void;
  sendmsg(
    fd: number,
    data: readonly Uint8Array[],
    fds: readonly number[],
    path: string | undefined,
    dontWait: boolean,
  ): number;
  peerCred(fd: number): { pid: number; uid: number; gid: number };
  socketType(fd: number): number;
  setBuffer(fd: number, bytes: number, recv: boolean): void;
  setNonBlocking(fd: number, on: boolean): void;
  setCloexec(fd: number, on: boolean): void;
  flock(fd: number, exclusive: boolean, nonblocking: boolean): boolean;
  funlock(fd: number): void;
  recvmsg(fd: number, timeoutMs: number, maxFds: number): Promise<RawRecvResult>;
  recvmsgSync(fd: number, timeoutMs: number, maxFds: number): RawRecvResult;
  accept(fd: number, timeoutMs: number): Promise<number>;
  acceptSync(fd: number, timeoutMs: number): number;
  memfdCreate(name: string, allowSealing: boolean): number;
  sealMemfd(fd: number): void;
  getSeals(fd: number): number;
  setPipeSize(fd: number, bytes: number): number;
  getPipeSize(fd: number): number;
  pidfdOpen(pid: number, flags: number): number;
  openTmpfile(dir: string, mode: number): number;
  linkTmpfile(fd: number, target: string): void;
  punchHole(fd: number, offset: number, length: number): void;
  fsetxattr(fd: number, name: string, value: Buffer): void;
  setDumpable(on: boolean): void;
  getDumpable(): number;
  pipe(): [number, number];
  close(fd: number): void;
  // watch.c
  watchFd(fd: number, callback: (errno: number) => void): WatchHandle;
  watchStart(handle: WatchHandle): void;
  watchStop(handle: WatchHandle): void;
  watchClose(handle: WatchHandle): void;
  // The kernel coredump socket (pidfd.c, stream.c).
  peerPidfd(fd: number): number;
  pidfdGetInfo(pidfd: number, mask: number): RawPidfdInfo;
  prlimit(pid: number, resource: number): [bigint, bigint];
  utsHostname(pid: number): string;
  pollFd(fd: number, events: number, timeoutMs: number): number;
  queuedBytes(fd: number): number;
  recvBytes(fd: number, length: number, peek: boolean): Buffer;
  recvFill(fd: number, buffer: Buffer): number;
  // spawn.c
  spawnPiped(
    path: string,
    argv: readonly string[],
    envp: readonly string[],
    fds: readonly number[],
  ): [pid: number, stdout: number, stderr: number];
  waitPid(pid: number): [code: number, signal: number] | undefined;
}

/** struct pidfd_info (PIDFD_INFO_SIZE_VER3) as pidfd.c returns it. */
export interface RawPidfdInfo {
  mask: number;
  cgroupid: bigint;
  pid: number;
  tgid: number;
  ppid: number;
  ruid: number;
  rgid: number;
  euid: number;
  egid: number;
  suid: number;
  sgid: number;
  fsuid: number;
  fsgid: number;
  exitCode: number;
  coredumpMask: number;
  coredumpSignal: number;
  coredumpCode: number;
  supportedMask: number;
}

/** An opaque uv_poll handle from watchFd. */
export type WatchHandle = object & { readonly __watchHandle: unique symbol };

const ADDON_PATH = '../build/Release/coredump_unix.node';

function loadAddon(): Addon {
  const require = createRequire(import.meta.url);
  try {
    return require(ADDON_PATH) as Addon;
  } catch (cause) {
    const where = new URL(ADDON_PATH, import.meta.url).pathname;
    throw Object.assign(
      new Error(
        `@coredump-ts/unix: native addon not built (${where}); ` +
          'run `npm run build:native -w @coredump-ts/unix` (node-gyp, npm_config_nodedir=/usr)',
        { cause },
      ),
      { code: 'ERR_UNIX_ADDON_MISSING' },
    );
  }
}

/** The addon, loaded once on first import of this package. */
export const addon: Addon = loadAddon();
