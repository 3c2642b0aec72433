// Write a byte stream to an fd. To a regular file (not O_APPEND) all-zero
// blocks become holes: skipped with positioned writes, then ftruncate()
// sets the final size. Anything else gets plain sequential writes.
import { fstatSync, ftruncateSync, readFileSync } from 'node:fs';
import { write as writeCb } from 'node:fs';
import { promisify } from 'node:util';

const writeAsync = promisify(writeCb);

/** Zero-run granularity: one page. Any smaller hole would still allocate the block. */
export const HOLE_BLOCK_BYTES = 4096;
const ZERO_BLOCK = Buffer.alloc(HOLE_BLOCK_BYTES);
const O_APPEND = 0o2000;

/** Flags and position of an open fd, from /proc/self/fdinfo. */
export function fdInfo(fd: number): { pos: number; append: boolean } | undefined {
  try {
    const text = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
    const pos = /^pos:\s*(\d+)/m.exec(text)?.[1];
    const flags = /^flags:\s*([0-7]+)/m.exec(text)?.[1];
    if (pos === undefined || flags === undefined) return undefined;
    return { pos: Number(pos), append: (parseInt(flags, 8) & O_APPEND) !== 0 };
  } catch {
    return undefined;
  }
}

/** True when writes to fd may leave holes (regular file, not O_APPEND). */
export function canWriteSparse(fd: number): boolean {
  try {
    if (!fstatSync(fd).isFile()) return false;
  } catch {
    return false;
  }
  const info = fdInfo(fd);
  return info !== undefined && !info.append;
}

async function writeFully(fd: number, buf: Buffer, position: number | null): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    const at = position === null ? null : position + off;
    const { bytesWritten } = await writeAsync(fd, buf, off, buf.length - off, at);
    off += bytesWritten;
  }
}

/** Plain sequential writes (pipes opened blocking, character devices). */
export async function writeDense(
  fd: number,
  source: AsyncIterable<Buffer | Uint8Array>,
): Promise<void> {
  for await (const chunk of source) {
    await writeFully(fd, Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength), null);
  }
}

/** Copy source into a regular file at its current position, sparsely. Returns bytes written. */
export async function writeSparse(
  fd: number,
  source: AsyncIterable<Buffer | Uint8Array>,
): Promise<number> {
  const start = fdInfo(fd)?.pos ?? 0;
  let pos = start;
  let carry: Buffer = Buffer.alloc(0);
  const flush = async (buf: Buffer, final: boolean): Promise<Buffer> => {
    let off = 0;
    let dataStart = -1;
    const emit = async (end: number): Promise<void> => {
      if (dataStart >= 0) {
        await writeFully(fd, buf.subarray(dataStart, end), pos + dataStart);
        dataStart = -1;
      }
    };
    for (; off + HOLE_BLOCK_BYTES <= buf.length; off += HOLE_BLOCK_BYTES) {
      const zero = buf.compare(ZERO_BLOCK, 0, HOLE_BLOCK_BYTES, off, off + HOLE_BLOCK_BYTES) === 0;
      if (zero) await emit(off);
      else if (dataStart < 0) dataStart = off;
    }
    if (final && off < buf.length) {
      if (dataStart < 0) dataStart = off;
      off = buf.length;
    }
    await emit(off);
    pos += off;
    return buf.subarray(off);
  };
  for await (const chunk of source) {
    const buf =
      carry.length === 0
        ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
        : Buffer.concat([carry, chunk]);
    carry = Buffer.from(await flush(buf, false));
  }
  await flush(carry, true);
  ftruncateSync(fd, pos);
  return pos - start;
}
