import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  FdWatcher,
  acceptSync,
  connect,
  listenStream,
  socket,
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
