import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  FdWatcher,
  PIDFD_INFO,
  acceptSync,
  connect,
  listenStream,
  socket,
  pidfdInfoMasks,
  pidfdOpen,
  recvmsgSync,
  sendmsg,
  socketpair,
} from '@coredump-ts/unix';

import { fdFixture } from '../../../test/support/fd-fixture.js';

const fx = fdFixture('unix-watch-test-');
const track = fx.track.bind(fx);

describe('FdWatcher', () => {
  it('calls back while readable, not while stopped, and stops for good on close', async () => {
    const [a, b] = socketpair('seqpacket').map(track) as [number, number];
    const seen: string[] = [];
    let wake: () => void = () => undefined;
    const watcher = new FdWatcher(a, (errno) => {
      expect(errno).toBe(0);
      seen.push(recvmsgSync(a, { timeoutMs: 0 }).data.toString());
      wake();
    });
    const next = (): Promise<void> =>
      new Promise((resolve) => {
        wake = resolve;
      });
    watcher.start();
    expect(watcher.started).toBe(true);
    let arrived = next();
    sendmsg(b, Buffer.from('one'));
    await arrived;
    watcher.stop();
    sendmsg(b, Buffer.from('two'));
    // Stopped: the datagram waits in the socket; a round trip of the loop does not read it.
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual(['one']);
    arrived = next();
    watcher.start();
    await arrived;
    expect(seen).toEqual(['one', 'two']);
    watcher.close();
    expect(watcher.started).toBe(false);
    watcher.start(); // a closed watcher ignores start()
    expect(watcher.started).toBe(false);
  });
});

describe('pidfdInfoMasks', () => {
  it('answers for our own pidfd with at least the PID field filled', () => {
    const pidfd = track(pidfdOpen(process.pid));
    let masks;
    try {
      masks = pidfdInfoMasks(pidfd, PIDFD_INFO.PID);
    } catch (error) {
      // Kernels before 6.13 lack PIDFD_GET_INFO: the probe says so with ENOTTY/EINVAL.
      expect(['ENOTTY', 'EINVAL']).toContain((error as { code?: string }).code);
      return;
    }
    expect(masks.mask & PIDFD_INFO.PID).toBe(PIDFD_INFO.PID);
  });
});

describe('listenStream', () => {
  it('binds a root-only socket (a stale file replaced) that accepts without blocking', () => {
    const path = join(fx.dir, 'sub', 'kernel');
    track(listenStream(path)); // a first one: the second replaces its file
    const fd = track(listenStream(path));
    expect(statSync(path).mode & 0o777).toBe(0o700);
    expect(() => acceptSync(fd, { timeoutMs: 0 })).toThrow(/ETIMEDOUT/);
    const client = track(socket('stream'));
    connect(client, path);
    expect(track(acceptSync(fd, { timeoutMs: 0 }))).toBeGreaterThan(2);
  });
});
