// A stand-in for the coredump worker on a test socket: accepts SOCK_SEQPACKET
// connections, records every datagram and fd exactly as they arrive (systemd's
// wire protocol, spec §3), and reads the core through the fd that was passed.
import { chmodSync, createReadStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  accept,
  bind,
  close,
  listen,
  pidfdPid,
  recvmsg,
  socket,
  type RecvResult,
} from '@coredump-ts/unix';

import { withTestDebuginfoCache } from './global-setup.js';

export interface ReceivedCrash {
  /** Non-empty datagrams, in arrival order. */
  readonly datagrams: Buffer[];
  /** The datagrams split at the first '='. */
  readonly fields: { name: string; value: Buffer }[];
  /** How many fds each zero-length datagram carried, in order. */
  readonly sentinelFds: number[];
  /** The pid the second fd (pidfd sentinel) referred to when it arrived. */
  readonly pidfdPid: number | undefined;
  /** The whole core, read from the first passed fd to EOF. */
  readonly core: Buffer;
  /** Protocol problems seen (payload after a fd, fds on a payload...). */
  readonly problems: string[];
}

export interface Receiver {
  readonly socketPath: string;
  /** The next connection's crash; rejects after timeoutMs without a connection. */
  next(timeoutMs?: number): Promise<ReceivedCrash>;
  close(): void;
}

async function readAll(fd: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of createReadStream('', { fd, autoClose: true })) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function receiveOne(conn: number): Promise<ReceivedCrash> {
  const datagrams: Buffer[] = [];
  const sentinelFds: number[] = [];
  const received: number[] = [];
  const problems: string[] = [];
  let pidfd: number | undefined;
  for (;;) {
    const m: RecvResult = await recvmsg(conn, { timeoutMs: 30_000, maxFds: 4 });
    if (m.eof) break;
    if (m.data.length === 0) {
      sentinelFds.push(m.fds.length);
      if (received.length === 1 && m.fds[0] !== undefined) {
        pidfd = pidfdPid(m.fds[0]);
      }
      received.push(...m.fds);
      continue;
    }
    if (received.length > 0) problems.push('payload after a fd');
    if (m.fds.length > 0) problems.push('fds on a payload datagram');
    if (m.truncated) problems.push('truncated datagram');
    datagrams.push(m.data);
  }
  const [coreFd, ...rest] = received;
  for (const fd of rest) close(fd);
  const core = coreFd === undefined ? Buffer.alloc(0) : await readAll(coreFd);
  const fields = datagrams.map((d) => {
    const eq = d.indexOf(0x3d);
    return { name: d.subarray(0, eq).toString('latin1'), value: d.subarray(eq + 1) };
  });
  return { datagrams, fields, sentinelFds, pidfdPid: pidfd, core, problems };
}

export function startReceiver(socketPath: string): Receiver {
  const fd = socket('seqpacket');
  bind(fd, socketPath);
  listen(fd, 16);
  return {
    socketPath,
    async next(timeoutMs = 30_000) {
      const conn = await accept(fd, { timeoutMs });
      try {
        return await receiveOne(conn);
      } finally {
        close(conn);
      }
    },
    close() {
      close(fd);
    },
  };
}

export const HANDLER_MAIN = fileURLToPath(
  new URL('../../packages/handler/dist/main.cjs', import.meta.url),
);

/** A wrapper the kernel can exec: exports the test paths, then runs the built handler. */
export function writeHandlerWrapper(dir: string, env: Record<string, string>, name = 'h'): string {
  if (!existsSync(HANDLER_MAIN)) {
    throw new Error(`${HANDLER_MAIN} is missing: run \`npx tsc -b packages/handler\` first`);
  }
  // The kernel starts it with an empty environment: the run's debuginfo cache too.
  const exports = Object.entries(withTestDebuginfoCache(env))
    .map(([k, v]) => `export ${k}='${v}'`)
    .join('\n');
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${exports}\nexec /usr/bin/node ${HANDLER_MAIN} "$@"\n`);
  chmodSync(path, 0o755);
  return path;
}

/** Reads a kmsg stand-in file, '' while it does not exist yet. */
export function readKmsgFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
