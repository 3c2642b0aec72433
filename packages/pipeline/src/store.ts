// The file sink of the core stream (stream.ts): a file in the storage directory
// that has no name until it is complete (O_TMPFILE, or a `.#core…` temp where the
// filesystem lacks it), so a crash or a full disk never leaves a partial core at a
// final name. The uncompressed core never touches disk.
import {
  closeSync,
  constants,
  fchmodSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  unlinkSync,
  writeSync,
} from 'node:fs';

import { CoredumpError } from '@coredump-ts/protocol';
import { linkTmpfile, openTmpfile } from '@coredump-ts/unix';

import { createCompressor, warmCompressor } from './compress.js';
import { streamCore, warmReadBuffer, type CoreObserver, type StreamResult } from './stream.js';

export const CORE_FILE_MODE = 0o640;

/**
 * For a worker started before its crash (socket mode), while it waits: the core
 * stream's read buffer and zstd context made and touched ahead, so the crash
 * does not pay for them. Costs the idle worker their memory (~1 MiB + zstd's
 * level-3 context, which Compress=no does not make) until the crash.
 */
export function warmCoreStream(opts: { readonly compress: boolean }): void {
  warmReadBuffer();
  if (opts.compress) warmCompressor();
}
const isNoSpace = (e: unknown): boolean => {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOSPC' || code === 'EDQUOT';
};

/** write(2) all of bytes to fd, mapping ENOSPC/EDQUOT to ERR_STORAGE_FULL. */
function writeCore(fd: number, bytes: Buffer): void {
  let off = 0;
  try {
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
  } catch (error) {
    if (isNoSpace(error)) {
      throw new CoredumpError('ERR_STORAGE_FULL', 'No space left for the core', { cause: error });
    }
    throw new CoredumpError('ERR_STORAGE_IO', 'Failed to write the core', { cause: error });
  }
}

/**
 * Small pieces are gathered before they are written: zstd gives out a few dozen
 * bytes per 128 KiB block of a mostly-zero core, which was a write(2) each (~3,000
 * for 512 MiB). Pieces as large as the buffer go straight through.
 */
const WRITE_GATHER_BYTES = 256 * 1024;

function coalescedWriter(writeOut: (bytes: Buffer) => void): {
  write(bytes: Buffer): void;
  flush(): void;
} {
  let pending: Buffer | undefined;
  let held = 0;
  const flush = (): void => {
    if (pending === undefined || held === 0) return;
    const piece = pending.subarray(0, held);
    held = 0;
    writeOut(piece);
  };
  return {
    write(bytes) {
      if (bytes.length >= WRITE_GATHER_BYTES) {
        flush();
        writeOut(bytes);
        return;
      }
      if (held + bytes.length > WRITE_GATHER_BYTES) flush();
      pending ??= Buffer.allocUnsafe(WRITE_GATHER_BYTES);
      bytes.copy(pending, held); // the piece's buffer is reused after this returns
      held += bytes.length;
    },
    flush,
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
  return openNamedTemp(dir, fileName);
}

/**
 * The fallback where O_TMPFILE is not supported: `.#<name><16 hex>` beside the
 * target, created exclusively (spec §6.3). Vacuum never counts it (no `core.`
 * prefix) and tmpfiles.d removes leftovers at boot.
 */
export function openNamedTemp(dir: string, fileName: string): TempFile {
  // node:crypto costs ~5 ms to load (npm run bench profile); only this fallback
  // needs it, so it is loaded here rather than on every crash.
  const { randomBytes } = process.getBuiltinModule('node:crypto');
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
  readonly observers: readonly CoreObserver[];
  /** The core's first bytes, already read from the fd (StreamStages.head). */
  readonly head?: Buffer | undefined;
}

/** A finished, synced, still unnamed core file. */
export interface CapturedFile extends TempFile {
  readonly stream: StreamResult;
  /** Bytes on disk (compressed size when compressed). */
  readonly storedBytes: number;
}

/** Drain the core into an unnamed file in dir. On failure nothing is left behind. */
export function captureToFile(coreFd: number, opts: CaptureOptions): CapturedFile {
  try {
    mkdirSync(opts.dir, { recursive: true, mode: 0o755 }); // like StateDirectory=
  } catch (error) {
    throw new CoredumpError('ERR_STORAGE_IO', `Failed to create ${opts.dir}`, { cause: error });
  }
  const temp = openTemp(opts.dir, opts.fileName);
  let storedBytes = 0;
  const out = coalescedWriter((bytes) => {
    writeCore(temp.fd, bytes);
  });
  const write = (bytes: Buffer): void => {
    out.write(bytes);
    storedBytes += bytes.length;
  };
  let stream: StreamResult;
  try {
    stream = streamCore(coreFd, {
      maxBytes: opts.maxBytes,
      head: opts.head,
      observers: opts.observers,
      transform: opts.compress ? createCompressor() : undefined,
      sink: write,
    });
    out.flush();
  } catch (error) {
    discardTemp(temp);
    if (error instanceof CoredumpError) throw error;
    throw new CoredumpError('ERR_COMPRESS', 'Failed to compress the core', { cause: error });
  }
  return { ...temp, stream, storedBytes };
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
