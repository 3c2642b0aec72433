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
