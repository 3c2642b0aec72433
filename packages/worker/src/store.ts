// Capture: the core pipe -> byte limit -> [zstd] -> a file in the storage
// directory that has no name until it is complete (O_TMPFILE, or a `.#core…`
// temp where the filesystem lacks it), so a crash or a full disk never leaves
// a partial core at a final name. The uncompressed core never touches disk.
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fchmodSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  read,
  unlinkSync,
  write,
} from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';

import { CoredumpError } from '@coredump-ts/protocol';
import { linkTmpfile, openTmpfile, setPipeSize } from '@coredump-ts/unix';

import { createCompressor, limitBytes, newLimitState, type LimitState } from './compress.js';

const readAsync = promisify(read);
const writeAsync = promisify(write);

export const CORE_FILE_MODE = 0o640;
const READ_CHUNK_BYTES = 1024 * 1024;
const PIPE_SIZES = [16 * 1024 * 1024, 4 * 1024 * 1024, 1024 * 1024];

/** Ask for a bigger pipe buffer: fewer wakeups while the kernel writes the core. */
export function enlargePipe(fd: number): number | undefined {
  for (const size of PIPE_SIZES) {
    try {
      return setPipeSize(fd, size);
    } catch {
      // not a pipe, or above fs.pipe-max-size without CAP_SYS_RESOURCE: try smaller
    }
  }
  return undefined;
}

const isNoSpace = (e: unknown): boolean => {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOSPC' || code === 'EDQUOT';
};

/** Read the core fd to EOF; forward-only, works for pipes, sockets and files. */
export async function* readCore(fd: number): AsyncGenerator<Buffer> {
  for (;;) {
    const buf = Buffer.allocUnsafe(READ_CHUNK_BYTES);
    let n: number;
    try {
      ({ bytesRead: n } = await readAsync(fd, buf, 0, buf.length, null));
    } catch (error) {
      throw new CoredumpError('ERR_CORE_READ', 'Failed to read the core', { cause: error });
    }
    if (n === 0) return;
    yield buf.subarray(0, n);
  }
}

async function writeAll(fd: number, chunk: Buffer): Promise<void> {
  let off = 0;
  while (off < chunk.length) {
    const { bytesWritten } = await writeAsync(fd, chunk, off, chunk.length - off, null);
    off += bytesWritten;
  }
}

/** Final pipeline stage: write everything to fd. Returns the byte count via the counter. */
function fdSink(fd: number, counter: { bytes: number }) {
  return async (source: AsyncIterable<Buffer>): Promise<void> => {
    for await (const chunk of source) {
      try {
        await writeAll(fd, chunk);
      } catch (error) {
        if (isNoSpace(error)) {
          throw new CoredumpError('ERR_STORAGE_FULL', 'No space left for the core', {
            cause: error,
          });
        }
        throw new CoredumpError('ERR_STORAGE_IO', 'Failed to write the core', { cause: error });
      }
      counter.bytes += chunk.length;
    }
  };
}

export interface TempFile {
  readonly fd: number;
  /** Set for the named-temp fallback; undefined for O_TMPFILE. */
  readonly tempPath: string | undefined;
}

function openTemp(dir: string, fileName: string): TempFile {
  try {
    return { fd: openTmpfile(dir, CORE_FILE_MODE), tempPath: undefined };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EOPNOTSUPP' && code !== 'EISDIR' && code !== 'EINVAL') {
      throw new CoredumpError('ERR_STORAGE_IO', `Failed to create a temporary file in ${dir}`, {
        cause: error,
      });
    }
  }
  const tempPath = `${dir}/.#${fileName}${randomBytes(8).toString('hex')}`;
  const flags = constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  try {
    return { fd: openSync(tempPath, flags, CORE_FILE_MODE), tempPath };
  } catch (error) {
    throw new CoredumpError('ERR_STORAGE_IO', `Failed to create ${tempPath}`, { cause: error });
  }
}

export interface CaptureOptions {
  readonly dir: string;
  readonly fileName: string;
  readonly compress: boolean;
  readonly maxBytes: number;
  readonly onProgress?: ((bytes: number) => void) | undefined;
}

/** A finished, synced, still unnamed core file. */
export interface CapturedFile extends TempFile {
  readonly limit: LimitState;
  /** Bytes on disk (compressed size when compressed). */
  readonly storedBytes: number;
}

/** Stream the core into an unnamed file in dir. On failure nothing is left behind. */
export async function captureToFile(coreFd: number, opts: CaptureOptions): Promise<CapturedFile> {
  try {
    mkdirSync(opts.dir, { recursive: true, mode: 0o755 }); // like StateDirectory=
  } catch (error) {
    throw new CoredumpError('ERR_STORAGE_IO', `Failed to create ${opts.dir}`, { cause: error });
  }
  const temp = openTemp(opts.dir, opts.fileName);
  const limit = newLimitState();
  const counter = { bytes: 0 };
  try {
    const source = readCore(coreFd);
    const limited = limitBytes(opts.maxBytes, limit, opts.onProgress);
    const sink = fdSink(temp.fd, counter);
    if (opts.compress) {
      await pipeline(source, limited, createCompressor(), sink);
    } else {
      await pipeline(source, limited, sink);
    }
  } catch (error) {
    discardTemp(temp);
    if (error instanceof CoredumpError) throw error;
    throw new CoredumpError('ERR_COMPRESS', 'Failed to compress the core', { cause: error });
  }
  return { ...temp, limit, storedBytes: counter.bytes };
}

/** fchmod 0640; errors are ignored as systemd does (the file is created 0640 anyway). */
export function fixMode(fd: number): void {
  try {
    fchmodSync(fd, CORE_FILE_MODE);
  } catch {
    // ignored
  }
}

/** fsync, give the file its final name (never replacing one), fsync the directory. */
export function linkCore(file: TempFile, dir: string, fileName: string): void {
  try {
    fsyncSync(file.fd);
    if (file.tempPath === undefined) {
      linkTmpfile(file.fd, dir, fileName);
    } else {
      linkSync(file.tempPath, `${dir}/${fileName}`);
      unlinkSync(file.tempPath);
    }
    const dirFd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch (error) {
    if (isNoSpace(error)) {
      throw new CoredumpError('ERR_STORAGE_FULL', `No space left to store ${fileName}`, {
        cause: error,
      });
    }
    throw new CoredumpError('ERR_STORAGE_IO', `Failed to link ${dir}/${fileName}`, {
      cause: error,
    });
  }
}

/** Close the file; a named temp is unlinked, an O_TMPFILE simply vanishes. */
export function discardTemp(file: TempFile): void {
  if (file.tempPath !== undefined) {
    try {
      unlinkSync(file.tempPath);
    } catch {
      // already gone
    }
  }
  closeFile(file);
}

export function closeFile(file: TempFile): void {
  try {
    closeSync(file.fd);
  } catch {
    // already closed
  }
}
