import { readFileSync, writeSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  POLLHUP,
  POLLIN,
  POLLOUT,
  close,
  isSysError,
  pipe,
  pollFd,
  pumpStream,
  queuedBytes,
  recvBytes,
  setNonBlocking,
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

describe('pumpStream', () => {
  it('writes the head, then the rest of the stream, then EOF, and closes both fds', async () => {
    const [src, writer] = socketpair('stream'); // the pump owns src
    track(writer);
    const [readEnd, writeEnd] = pipe();
    track(readEnd);
    const body = Buffer.alloc(3 * 1024 * 1024, 0x5a); // more than a pipe holds at once
    const done = pumpStream(src, Buffer.from('HEAD'), writeEnd);
    // Non-blocking writes between event-loop turns: the pipe is drained below meanwhile.
    setNonBlocking(writer, true);
    const sender = (async () => {
      for (let off = 0; off < body.length;) {
        try {
          off += writeSync(writer, body, off, Math.min(65536, body.length - off));
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
        }
        await new Promise((r) => setImmediate(r));
      }
      close(writer);
    })();
    const chunks: Buffer[] = [];
    const { createReadStream } = await import('node:fs');
    for await (const c of createReadStream('', { fd: readEnd, autoClose: false })) {
      chunks.push(c as Buffer);
    }
    await sender;
    const result = await done;
    const got = Buffer.concat(chunks);
    expect(result.error).toBeUndefined();
    expect(result.bytes).toBe(4 + body.length);
    expect(got.subarray(0, 4).toString()).toBe('HEAD');
    expect(got.subarray(4).equals(body)).toBe(true);
    expect(() => readFileSync(`/proc/self/fdinfo/${src}`)).toThrow();
  });

  it('stops with EPIPE when the reader goes away', async () => {
    const [src, writer] = socketpair('stream'); // the pump owns src
    track(writer);
    const [readEnd, writeEnd] = pipe();
    close(readEnd);
    writeSync(writer, Buffer.from('more'));
    const result = await pumpStream(src, Buffer.from('HEAD'), writeEnd);
    expect(isSysError(result.error, 'EPIPE')).toBe(true);
    // The source was closed: the writer now sees the hang-up.
    expect(pollFd(writer, POLLOUT, 1000) & POLLHUP).toBe(POLLHUP);
  });
});
