/**
 * The node:fs side of the config loader's file access (the `ConfigFs` of
 * @coredump-ts/config, matched structurally so neither package imports the
 * other): stat, readlink, readdir, and a bounded read of regular files only.
 * Nothing here throws; failures come back as errno code and message.
 */
import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readdirSync,
  readlinkSync,
  readSync,
  statSync,
  type BigIntStats,
} from 'node:fs';

type Result<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly code: string; readonly message: string };

const ok = <T>(value: T): Result<T> => ({ ok: true, value });

const failed = (error: unknown): Result<never> => {
  const code =
    error instanceof Error && 'code' in error && typeof error.code === 'string'
      ? error.code
      : 'EIO';
  return { ok: false, code, message: error instanceof Error ? error.message : String(error) };
};

function kindOf(st: BigIntStats): string {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  if (st.isCharacterDevice()) return 'char-device';
  if (st.isBlockDevice()) return 'block-device';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  return 'other';
}

type Kind = 'file' | 'directory' | 'char-device' | 'block-device' | 'fifo' | 'socket' | 'other';

function statOf(st: BigIntStats): { kind: Kind; sizeBytes: number; identity: string } {
  return { kind: kindOf(st) as Kind, sizeBytes: Number(st.size), identity: `${st.dev}:${st.ino}` };
}

/** Read at most `maxBytes` bytes of the regular file at `path`. */
function readRegularFile(path: string, maxBytes: number): Result<string> {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below).
    // (libuv adds O_CLOEXEC to every open.)
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return failed(error);
  }
  try {
    const st = fstatSync(fd, { bigint: true });
    if (st.isDirectory()) return { ok: false, code: 'EISDIR', message: `${path}: Is a directory` };
    if (!st.isFile()) return { ok: false, code: 'EINVAL', message: `${path}: Not a regular file` };
    const tooLarge: Result<never> = {
      ok: false,
      code: 'EFBIG',
      message: `${path}: File larger than ${maxBytes} bytes`,
    };
    if (st.size > BigInt(maxBytes)) return tooLarge;
    // Room for one byte more than fstat() said: a file that grew since is read on, to the cap.
    let buf = Buffer.allocUnsafe(Number(st.size) + 1);
    let done = 0;
    for (;;) {
      if (done === buf.length) {
        if (done > maxBytes) return tooLarge;
        const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, maxBytes + 1));
        buf.copy(bigger, 0, 0, done);
        buf = bigger;
      }
      const n = readSync(fd, buf, done, buf.length - done, null);
      if (n === 0) break;
      done += n;
    }
    return ok(buf.toString('utf8', 0, done));
  } catch (error) {
    return failed(error);
  } finally {
    closeSync(fd);
  }
}

/** The node:fs implementation of @coredump-ts/config's ConfigFs. */
export const configFs = {
  stat(path: string): Result<{ kind: Kind; sizeBytes: number; identity: string }> {
    try {
      return ok(statOf(statSync(path, { bigint: true })));
    } catch (error) {
      return failed(error);
    }
  },
  readLink(path: string): Result<string> {
    try {
      return ok(readlinkSync(path));
    } catch (error) {
      return failed(error);
    }
  },
  listDirectory(path: string): Result<string[]> {
    try {
      return ok(readdirSync(path));
    } catch (error) {
      return failed(error);
    }
  },
  readRegularFile,
};
