// journald's native protocol (systemd.journal-fields(7), sd_journal_sendv):
// one AF_UNIX datagram per entry on /run/systemd/journal/socket; an entry too
// big for a datagram goes into a sealed memfd passed alone by SCM_RIGHTS.
//
// Unlike libsystemd, which treats a missing journald as success, a journald
// that is not there is an error here: a crash must not vanish silently.
import { writeSync } from 'node:fs';
import { close, memfdCreate, sealMemfd, sendmsg, setSendBuffer, socket } from '@coredump-ts/unix';
import { serializeJournalNative, type JournalField } from '@coredump-ts/protocol';
import { errnoCode, journalError } from './errors.js';

export const JOURNAL_SOCKET = '/run/systemd/journal/socket';
/** libsystemd raises SO_SNDBUF to this (forcing it as root) so big datagrams fit. */
export const JOURNAL_SNDBUF_BYTES = 8 * 1024 * 1024;
/** Entries above this skip the datagram attempt and go straight to a memfd. */
export const DATAGRAM_MAX_BYTES = 1024 * 1024;

export interface SendJournalOptions {
  /** journald's native socket; default /run/systemd/journal/socket. */
  socketPath?: string;
  /** MSG_DONTWAIT: a full journald queue throws ERR_JOURNAL_SEND (EAGAIN) instead of blocking. */
  dontWait?: boolean;
  /** Entries larger than this go through a memfd without trying a datagram first. */
  datagramMaxBytes?: number;
}

export interface SendJournalResult {
  /** How the entry travelled. */
  via: 'datagram' | 'memfd';
  /** Size of the serialised entry. */
  sizeBytes: number;
}

/** Turns a failed sendmsg into a coded error naming the socket and the cause. */
export function sendError(err: unknown, socketPath: string): Error {
  const code = errnoCode(err);
  if (code === 'ENOENT' || code === 'ECONNREFUSED')
    return journalError(
      'ERR_JOURNAL_UNAVAILABLE',
      `journald is not listening on ${socketPath} (${code}); the journal entry was not delivered`,
      err,
    );
  if (code === 'EAGAIN' || code === 'EWOULDBLOCK')
    return journalError(
      'ERR_JOURNAL_SEND',
      `journald's queue on ${socketPath} is full (${code}) and the send was not allowed to wait`,
      err,
    );
  const reason = err instanceof Error ? err.message : String(err);
  return journalError(
    'ERR_JOURNAL_SEND',
    `sending the journal entry to ${socketPath} failed: ${reason}`,
    err,
  );
}

/** A datagram socket with the send buffer raised as libsystemd does (best effort). */
export function openJournalSocket(): number {
  const fd = socket('dgram');
  try {
    setSendBuffer(fd, JOURNAL_SNDBUF_BYTES);
  } catch {
    // Not fatal: a small buffer only means big entries take the memfd path.
  }
  return fd;
}

/** Writes all of `data` to `fd` at its current position. */
export function writeAll(fd: number, data: Uint8Array): void {
  let done = 0;
  while (done < data.length) done += writeSync(fd, data, done, data.length - done);
}

/** Sends `memfd` (already sealed) to journald as a datagram with no payload. */
export function sendMemfd(memfd: number, opts: SendJournalOptions = {}): void {
  const socketPath = opts.socketPath ?? JOURNAL_SOCKET;
  const sock = openJournalSocket();
  try {
    sendmsg(sock, Buffer.alloc(0), {
      fds: [memfd],
      path: socketPath,
      dontWait: opts.dontWait === true,
    });
  } catch (err) {
    throw sendError(err, socketPath);
  } finally {
    close(sock);
  }
}

function isTooBig(err: unknown): boolean {
  const code = errnoCode(err);
  return code === 'EMSGSIZE' || code === 'ENOBUFS';
}

/**
 * Sends one entry. Throws CoredumpError ERR_JOURNAL_UNAVAILABLE when nothing
 * listens on the socket, ERR_JOURNAL_SEND for other failures, and
 * ERR_JOURNAL_FIELD_NAME for a name journald would refuse.
 */
export function sendJournalEntry(
  fields: readonly JournalField[],
  opts: SendJournalOptions = {},
): SendJournalResult {
  const socketPath = opts.socketPath ?? JOURNAL_SOCKET;
  const payload = serializeJournalNative(fields);
  const result = (via: SendJournalResult['via']): SendJournalResult => ({
    via,
    sizeBytes: payload.length,
  });

  if (payload.length <= (opts.datagramMaxBytes ?? DATAGRAM_MAX_BYTES)) {
    const sock = openJournalSocket();
    try {
      sendmsg(sock, payload, { path: socketPath, dontWait: opts.dontWait === true });
      return result('datagram');
    } catch (err) {
      if (!isTooBig(err)) throw sendError(err, socketPath);
    } finally {
      close(sock);
    }
  }

  const memfd = memfdCreate('journal-entry', { allowSealing: true });
  try {
    writeAll(memfd, payload);
    sealMemfd(memfd);
    sendMemfd(memfd, opts);
  } finally {
    close(memfd);
  }
  return result('memfd');
}
