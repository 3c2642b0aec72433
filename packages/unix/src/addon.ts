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
}

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
