/**
 * The socket client (spec §3.2): one SOCK_SEQPACKET datagram per field, halving an
 * oversize one with "..." on EMSGSIZE/ENOBUFS, then a zero-length datagram carrying the
 * core fd and one carrying the pidfd.
 */
import {
  CoredumpError,
  encodeDatagram,
  halveDatagram,
  type JournalField,
} from '@coredump-ts/protocol';
import { close, connect, isSysError, sendmsg, socket } from '@coredump-ts/unix';

export const DEFAULT_SOCKET_PATH = '/run/systemd/coredump';
const EMPTY = Buffer.alloc(0);
const MAX_HALVINGS = 64;

/** strerror-style text of a SysError ("connect ENOENT /x: No such file..." -> the tail). */
const errnoText = (e: unknown): string => {
  if (!(e instanceof Error)) return String(e);
  if (!isSysError(e)) return e.message;
  const i = e.message.lastIndexOf(': ');
  return i < 0 ? e.code : e.message.slice(i + 2);
};

/** Connects; ERR_SOCKET_CONNECT carries the errno text of the failure. */
export const connectCoredumpSocket = (path: string): number => {
  const fd = socket('seqpacket');
  try {
    connect(fd, path);
    return fd;
  } catch (error) {
    close(fd);
    throw new CoredumpError(
      'ERR_SOCKET_CONNECT',
      `Failed to connect to coredump service: ${errnoText(error)}`,
      { cause: error },
    );
  }
};

/** Sends one field; returns how many times it had to be halved. */
export const sendField = (fd: number, f: JournalField): number => {
  const data = encodeDatagram(f);
  for (let times = 0; times <= MAX_HALVINGS; times++) {
    try {
      sendmsg(fd, times === 0 ? data : halveDatagram(data, times));
      return times;
    } catch (error) {
      if (isSysError(error, 'EMSGSIZE') || isSysError(error, 'ENOBUFS')) continue;
      throw new CoredumpError(
        'ERR_SOCKET_SEND',
        `Failed to send coredump datagram: ${errnoText(error)}`,
        { cause: error },
      );
    }
  }
  throw new CoredumpError('ERR_SOCKET_SEND', `Failed to send ${f.name}= even when halved.`);
};

export interface SendResult {
  /** Field names that went out truncated (halved with "..."). */
  readonly halved: readonly string[];
  /** Sending the optional pidfd sentinel failed (the core had been handed over). */
  readonly pidfdError: CoredumpError | undefined;
}

/**
 * Sends the fields and fds on a connected socket and closes it. `coreSent` tells a caller
 * whether the core fd already went out (after that the peer owns the crash).
 */
export const sendCrash = (
  fd: number,
  fields: readonly JournalField[],
  coreFd: number,
  pidfd: number | undefined,
  progress: { coreSent: boolean } = { coreSent: false },
): SendResult => {
  const halved: string[] = [];
  let pidfdError: CoredumpError | undefined;
  try {
    for (const f of fields) if (sendField(fd, f) > 0) halved.push(f.name);
    const sendFd = (what: number): void => {
      try {
        sendmsg(fd, EMPTY, { fds: [what] });
      } catch (error) {
        throw new CoredumpError(
          'ERR_SOCKET_SEND',
          `Failed to send coredump fd: ${errnoText(error)}`,
          { cause: error },
        );
      }
    };
    sendFd(coreFd);
    progress.coreSent = true;
    if (pidfd !== undefined) {
      try {
        sendFd(pidfd);
      } catch (error) {
        // A v252 worker stops reading after the core fd and may be gone already.
        pidfdError = error as CoredumpError;
      }
    }
  } finally {
    close(fd);
  }
  return { halved, pidfdError };
};
