import { writeSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  POLLHUP,
  POLLIN,
  POLLOUT,
  close,
  isSysError,
  pollFd,
  queuedBytes,
  recvBytes,
  recvFill,
  pipe,
  socketpair,
} from '@coredump-ts/unix';

import { fdFixture } from '../../../test/support/fd-fixture.js';

const fx = fdFixture('unix-stream-test-');
const track = fx.track.bind(fx);

describe('pollFd, queuedBytes, recvBytes', () => {
  it('tells data from silence and from a hang-up', () => {
    const [a, b] = track(socketpair('stream'));
    expect(pollFd(a, POLLIN, 0)).toBe(0);
    expect(pollFd(a, POLLOUT, 0) & POLLOUT).toBe(POLLOUT);
    writeSync(b, Buffer.from('0123456789'));
    expect(pollFd(a, POLLIN, 1000) & POLLIN).toBe(POLLIN);
    expect(queuedBytes(a)).toBe(10);
    close(b);
    expect(pollFd(a, POLLIN, 1000) & (POLLIN | POLLHUP)).toBe(POLLIN | POLLHUP);
  });

  it('peeks without consuming, then reads', () => {
    const [a, b] = track(socketpair('stream'));
    writeSync(b, Buffer.from('abcdef'));
    expect(recvBytes(a, 4, { peek: true }).toString()).toBe('abcd');
    expect(queuedBytes(a)).toBe(6);
    expect(recvBytes(a, 4).toString()).toBe('abcd');
    expect(recvBytes(a, 100).toString()).toBe('ef');
  });

  it('is EAGAIN with nothing queued and an empty Buffer at end of stream', () => {
    const [a, b] = track(socketpair('stream'));
    let error: unknown;
    try {
      recvBytes(a, 16);
    } catch (e) {
      error = e;
    }
    expect(isSysError(error, 'EAGAIN')).toBe(true);
    close(b);
    expect(recvBytes(a, 16).length).toBe(0);
  });
});

describe('recvFill', () => {
  it('fills the whole buffer across several sends, then gives what is left, then 0', async () => {
    const [a, b] = track(socketpair('stream'));
    const got = Buffer.alloc(8);
    const filled = new Promise<number>((resolve) => {
      setImmediate(() => {
        resolve(recvFill(a, got));
      });
    });
    writeSync(b, 'abc');
    writeSync(b, 'defgh');
    expect(await filled).toBe(8);
    expect(got.toString()).toBe('abcdefgh');
    writeSync(b, 'xy');
    close(b);
    const rest = Buffer.alloc(8);
    expect(recvFill(a, rest)).toBe(2);
    expect(rest.subarray(0, 2).toString()).toBe('xy');
    expect(recvFill(a, rest)).toBe(0);
  });

  it('is ENOTSOCK on a pipe', () => {
    const [r] = track(pipe());
    expect(() => recvFill(r, Buffer.alloc(1))).toThrow(/ENOTSOCK/);
  });
});
