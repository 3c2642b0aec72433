import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';
import { close, recvBytes, socketpair } from '@coredump-ts/unix';

import {
  COREDUMP_KERNEL,
  COREDUMP_REJECT,
  COREDUMP_WAIT,
  HandshakeError,
  INITIAL_STATE,
  buildAck,
  checkRequestSize,
  onAckSent,
  onMark,
  onRequest,
  runHandshake,
} from './handshake.js';

const FAKE_KERNEL = fileURLToPath(new URL('../test/fixtures/fake-kernel.mjs', import.meta.url));

/** struct coredump_req as the kernel sends it (6.17+: size 16, size_ack 16, mask 0xf). */
interface RequestShape {
  size?: number;
  sizeAck?: number;
  mask?: bigint;
  length?: number;
}

function request({ size = 16, sizeAck = 16, mask = 0xfn, length }: RequestShape = {}): Buffer {
  const n = length ?? size;
  const b = Buffer.alloc(Math.max(n, 16));
  b.writeUInt32LE(size, 0);
  b.writeUInt32LE(sizeAck, 4);
  b.writeBigUInt64LE(mask, 8);
  return b.subarray(0, n);
}

const mark = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n, 0);
  return b;
};

function thrown(fn: () => unknown): HandshakeError {
  try {
    fn();
  } catch (e) {
    if (e instanceof HandshakeError) return e;
    throw e;
  }
  throw new Error('expected a HandshakeError');
}

describe('the transitions (pure)', () => {
  it('checks the queued size before reading', () => {
    expect(() => {
      checkRequestSize(16);
      checkRequestSize(4096);
    }).not.toThrow();
    expect(
      thrown(() => {
        checkRequestSize(15);
      }).message,
    ).toBe('Acquired coredump request size is too small (15 < 16)');
    expect(
      thrown(() => {
        checkRequestSize(4097);
      }).message,
    ).toBe('Acquired coredump request size is too large (4097 > 4096)');
  });

  it.for([
    [request({ length: 8 }), 'Received coredump request size is too small (8 < 16)'],
    [
      request({ size: 16, length: 24 }),
      'Received coredump request size does not match with the size specified in the request (24 != 16)',
    ],
    [request({ sizeAck: 8 }), 'Received coredump request with too small ack size (8 < 16)'],
    [request({ mask: 0x9n }), 'Received coredump request with insufficient flags (9)'],
  ] as const)('refuses a bad request: %s -> %s', ([bytes, message]) => {
    const e = thrown(() => onRequest(bytes, 'dump'));
    expect([e.errno, e.code, e.message]).toEqual(['EBADMSG', 'ERR_PROTOCOL', message]);
  });

  it('answers KERNEL|WAIT in 16 bytes, or REJECT, and accepts a larger request', () => {
    const state = onRequest(request({ size: 24, sizeAck: 32, mask: 0xffn, length: 24 }), 'dump');
    if (state.phase !== 'send-ack') throw new Error(state.phase);
    expect(state.ack.length).toBe(16);
    expect(state.ack.readUInt32LE(0)).toBe(16);
    expect(state.ack.readUInt32LE(4)).toBe(0);
    expect(state.ack.readBigUInt64LE(8)).toBe(COREDUMP_KERNEL | COREDUMP_WAIT);
    const reject = onRequest(request(), 'reject');
    if (reject.phase !== 'send-ack') throw new Error(reject.phase);
    expect(reject.ack.readBigUInt64LE(8)).toBe(COREDUMP_REJECT);
    expect(buildAck({ size: 16, sizeAck: 16, mask: 0xfn }, 1n).length).toBe(16);
  });

  it('goes await-request -> send-ack -> await-mark -> done', () => {
    expect(INITIAL_STATE.phase).toBe('await-request');
    const sending = onRequest(request(), 'dump');
    const waiting = onAckSent(sending, 16);
    expect(waiting.phase).toBe('await-mark');
    const done = onMark(waiting, mark(0));
    expect(done.phase).toBe('done');
    expect(thrown(() => onAckSent(sending, 8)).message).toBe(
      'Sent size does not match with the size of coredump ack (8 != 16)',
    );
  });

  it.for([
    [1, 'ENOBUFS', 'Sent coredump ack message is refused as its size is too small.'],
    [2, 'EMSGSIZE', 'Sent coredump ack message is refused as its size is too large.'],
    [3, 'EOPNOTSUPP', 'Sent coredump ack message is refused as it contains unsupported flags.'],
    [4, 'EINVAL', 'Sent coredump ack message is refused as it contains conflicting flags.'],
    [9, 'EBADMSG', 'Sent coredump ack message is refused with unknown reason (9).'],
  ] as const)('turns mark %i into %s', ([m, errno, message]) => {
    const waiting = onAckSent(onRequest(request(), 'dump'), 16);
    const e = thrown(() => onMark(waiting, mark(m)));
    expect([e.errno, e.message]).toEqual([errno, message]);
  });

  it('refuses a mark of the wrong size', () => {
    const waiting = onAckSent(onRequest(request(), 'dump'), 16);
    expect(thrown(() => onMark(waiting, Buffer.alloc(2))).message).toBe(
      'Received marker with invalid size (2).',
    );
  });
});

interface Driven {
  readonly outcome: { ackMask: bigint } | HandshakeError;
  /** The ack the fake kernel read, hex. */
  readonly ackSeen: string;
  /** Bytes left on our end after the handshake. */
  readonly rest: Buffer;
}

/** runHandshake against the scripted kernel on the other end of a socketpair. */
async function drive(
  args: readonly string[],
  opts: Parameters<typeof runHandshake>[1] = {},
): Promise<Driven> {
  const [ours, theirs] = socketpair('stream');
  const child = spawn('/usr/bin/node', [FAKE_KERNEL, ...args], {
    stdio: ['ignore', 'pipe', 'inherit', theirs],
  });
  close(theirs);
  let ackSeen = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (c: string) => (ackSeen += c));
  const closed = new Promise((resolve) => child.once('close', resolve));
  let outcome: Driven['outcome'];
  let rest: Buffer = Buffer.alloc(0);
  try {
    outcome = runHandshake(ours, { timeoutMs: 10_000, ...opts });
  } catch (e) {
    if (!(e instanceof HandshakeError)) throw e;
    outcome = e;
  }
  try {
    if (!(outcome instanceof HandshakeError)) {
      await new Promise((r) => setTimeout(r, 50)); // let trailing data arrive
      try {
        rest = recvBytes(ours, 1024);
      } catch {
        // nothing followed
      }
    }
  } finally {
    close(ours);
  }
  await closed;
  return { outcome, ackSeen, rest };
}

const hex = (b: Buffer): string => b.toString('hex');
const ACK_DUMP = '10000000000000000900000000000000';

describe('runHandshake against a scripted kernel', () => {
  it('acks KERNEL|WAIT and stops exactly at the mark', async () => {
    const r = await drive([hex(request()), hex(mark(0)), 'cafe']);
    expect(r.outcome).toEqual({ request: { size: 16, sizeAck: 16, mask: 0xfn }, ackMask: 9n });
    expect(r.ackSeen).toBe(ACK_DUMP);
    expect(hex(r.rest)).toBe('cafe');
  });

  it('tells the kernel to skip the dump on request', async () => {
    const r = await drive([hex(request()), hex(mark(0))], { decision: 'reject' });
    expect(r.outcome).toMatchObject({ ackMask: COREDUMP_REJECT });
    expect(r.ackSeen).toBe('10000000000000000400000000000000');
  });

  it.for([
    [request({ length: 8 }), 'Acquired coredump request size is too small (8 < 16)'],
    [
      request({ size: 5000, length: 5000 }),
      'Acquired coredump request size is too large (5000 > 4096)',
    ],
    [request({ mask: 0x3n }), 'Received coredump request with insufficient flags (3)'],
    [request({ sizeAck: 4 }), 'Received coredump request with too small ack size (4 < 16)'],
  ] as const)('refuses a faulty request without answering: %#', async ([req, message]) => {
    const r = await drive([hex(req), hex(mark(0))]);
    expect(r.outcome).toBeInstanceOf(HandshakeError);
    expect((r.outcome as HandshakeError).message).toBe(message);
    expect(r.ackSeen).toBe(''); // no ack was sent
  });

  it('reports the kernel refusing the ack', async () => {
    const r = await drive([hex(request()), hex(mark(3))]);
    expect((r.outcome as HandshakeError).errno).toBe('EOPNOTSUPP');
    expect(r.ackSeen).toBe(ACK_DUMP);
  });

  it('is EIO when the peer hangs up, ETIMEDOUT when it stays silent', async () => {
    const hung = await drive(['-', 'hangup']);
    expect((hung.outcome as HandshakeError).errno).toBe('EIO');
    expect((hung.outcome as HandshakeError).code).toBe('ERR_SOCKET_RECEIVE');
    const [a, b] = socketpair('stream');
    try {
      const e = thrown(() => runHandshake(a, { timeoutMs: 50 }));
      expect([e.errno, e.code]).toEqual(['ETIMEDOUT', 'ERR_SOCKET_RECEIVE']);
    } finally {
      close(a);
      close(b);
    }
  });
});
