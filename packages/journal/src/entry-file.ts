// A journal entry built directly in a memfd, for entries too big for the JS
// heap: Storage=journal puts the raw core (up to 767 MiB) in COREDUMP=. The
// core is copied from its fd in 1 MiB chunks and never held in memory whole.
import { ftruncateSync, read, writeSync } from 'node:fs';
import { promisify } from 'node:util';
import { close, memfdCreate, sealMemfd } from '@coredump-ts/unix';
import {
  assertJournalFieldName,
  serializeJournalNative,
  type JournalField,
} from '@coredump-ts/protocol';
import { errnoCode, journalError } from './errors.js';
import { DATA_SIZE_MAX } from './export-parser.js';
import { sendMemfd, type SendJournalOptions } from './send.js';

const COPY_CHUNK_BYTES = 1024 * 1024;
const readAsync = promisify(read);

export interface AppendFromFdOptions {
  /**
   * Accept an fd that ends before `length` bytes: the field then holds what
   * was read and its length word is patched. Default false: a short source
   * throws ERR_CORE_READ and the field is removed again.
   */
  allowShort?: boolean;
  /**
   * Read the source with positional reads starting at this offset instead of
   * from its current position (for a memfd or file the caller just wrote,
   * whose offset is at its end). Pipes must leave this unset.
   */
  position?: number;
}

/** Writes all of `data` at `position` (positional: the fd offset is never relied on). */
function writeAt(fd: number, data: Uint8Array, position: number): void {
  let done = 0;
  while (done < data.length) done += writeSync(fd, data, done, data.length - done, position + done);
}

/** Waits for a non-blocking fd to have data; there is no poll() on raw fds in Node. */
function backoff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.min(50, 1 + attempt)));
}

export class JournalEntryFile {
  #fd: number | undefined;
  #sizeBytes = 0;
  #sealed = false;
  #sent = false;
  #busy = false;

  constructor() {
    this.#fd = memfdCreate('journal-entry', { allowSealing: true });
  }

  /** Bytes of serialised entry written so far. */
  get sizeBytes(): number {
    return this.#sizeBytes;
  }

  /** The memfd (for inspection); the entry keeps ownership. */
  get fd(): number {
    return this.#writable();
  }

  append(field: JournalField): void {
    const fd = this.#writable();
    const data = serializeJournalNative([field]);
    writeAt(fd, data, this.#sizeBytes);
    this.#sizeBytes += data.length;
  }

  /**
   * Appends `NAME\n<le64 length><bytes>\n` where the bytes are read from
   * `srcFd` (a pipe or a file, read from its current position). Resolves with
   * the number of bytes copied.
   */
  async appendBinaryFromFd(
    name: string,
    srcFd: number,
    length: number,
    opts: AppendFromFdOptions = {},
  ): Promise<number> {
    const fd = this.#writable();
    assertJournalFieldName(name);
    if (!Number.isSafeInteger(length) || length < 0 || length > DATA_SIZE_MAX)
      throw new RangeError(`length must be an integer in 0..${DATA_SIZE_MAX}, got ${length}`);

    this.#busy = true;
    const start = this.#sizeBytes;
    const header = Buffer.alloc(name.length + 1 + 8);
    header.write(`${name}\n`, 0, 'latin1');
    header.writeBigUInt64LE(BigInt(length), name.length + 1);
    const lengthOffset = start + name.length + 1;
    let copied = 0;
    let at = start;
    try {
      writeAt(fd, header, at);
      at += header.length;
      const chunk = Buffer.allocUnsafe(Math.min(COPY_CHUNK_BYTES, Math.max(length, 1)));
      let waits = 0;
      while (copied < length) {
        let bytesRead: number;
        try {
          const from = opts.position === undefined ? null : opts.position + copied;
          ({ bytesRead } = await readAsync(
            srcFd,
            chunk,
            0,
            Math.min(chunk.length, length - copied),
            from,
          ));
        } catch (err) {
          if (errnoCode(err) === 'EAGAIN') {
            await backoff(waits++);
            continue;
          }
          throw journalError(
            'ERR_CORE_READ',
            `reading ${name}= from fd ${srcFd} failed after ${copied} bytes`,
            err,
          );
        }
        waits = 0;
        if (bytesRead === 0) break;
        writeAt(fd, chunk.subarray(0, bytesRead), at);
        at += bytesRead;
        copied += bytesRead;
      }
      if (copied < length) {
        if (opts.allowShort !== true)
          throw journalError(
            'ERR_CORE_READ',
            `fd ${srcFd} ended after ${copied} of ${length} bytes of ${name}=`,
          );
        const patched = Buffer.alloc(8);
        patched.writeBigUInt64LE(BigInt(copied));
        writeAt(fd, patched, lengthOffset);
      }
      writeAt(fd, Buffer.from('\n'), at);
      this.#sizeBytes = at + 1;
      return copied;
    } catch (err) {
      // Drop the partial field so the entry stays well-formed.
      ftruncateSync(fd, start);
      this.#sizeBytes = start;
      throw err;
    } finally {
      this.#busy = false;
    }
  }

  /**
   * Seals the memfd and hands it to journald. The entry cannot be changed
   * afterwards; if the send fails it may be sent again (e.g. to another socket).
   */
  send(opts: SendJournalOptions = {}): void {
    if (this.#sent) throw new Error('JournalEntryFile was already sent');
    const fd = this.#sealed ? this.#open() : this.#writable();
    if (this.#sizeBytes === 0)
      throw journalError('ERR_JOURNAL_SEND', 'refusing to send an empty journal entry');
    if (!this.#sealed) {
      sealMemfd(fd);
      this.#sealed = true;
    }
    sendMemfd(fd, opts);
    this.#sent = true;
  }

  close(): void {
    if (this.#fd === undefined) return;
    const fd = this.#fd;
    this.#fd = undefined;
    close(fd);
  }

  #open(): number {
    if (this.#fd === undefined) throw new Error('JournalEntryFile is closed');
    return this.#fd;
  }

  #writable(): number {
    const fd = this.#open();
    if (this.#sealed) throw new Error('JournalEntryFile is sealed: it was sent already');
    if (this.#busy) throw new Error('JournalEntryFile: appendBinaryFromFd is still running');
    return fd;
  }
}
