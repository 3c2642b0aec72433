import { readdirSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  accept,
  acceptSync,
  bind,
  close,
  connect,
  isSysError,
  listen,
  peerCred,
  pipe,
  recvmsg,
  recvmsgSync,
  sendmsg,
  setSendBuffer,
  socket,
  socketpair,
  socketType,
} from '@coredump-ts/unix';

import { fdFixture } from '../../../test/support/fd-fixture.js';

const fx = fdFixture('unix-socket-test-');
const track = fx.track.bind(fx);

/** A connected seqpacket pair made the way the worker gets one: bind, listen, connect, accept. */
async function seqpacketPair(): Promise<{ client: number; server: number }> {
  const path = join(fx.dir, 'sock');
  const listener = track(socket('seqpacket'));
  bind(listener, path);
  listen(listener);
  const client = track(socket('seqpacket'));
  connect(client, path);
  const server = track(await accept(listener, { timeoutMs: 5000 }));
  return { client, server };
}

function openFdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

describe('seqpacket', () => {
  it('keeps message boundaries and exact sizes, including 200 KB and binary bytes', async () => {
    const { client, server } = await seqpacketPair();
    // Datagrams stay charged to the sender's SO_SNDBUF (wmem_default, 208 KiB) until
    // read. Sending and receiving here share one thread, so nothing is read until all
    // four are sent: make room for them all (SO_SNDBUFFORCE as root).
    setSendBuffer(client, 1024 * 1024);
    const big = randomBytes(200 * 1024);
    const binary = Buffer.from([0x00, 0xff, 0x0a, 0x41, 0x00, 0x0a, 0xff, 0x3d]);
    sendmsg(client, Buffer.from('COREDUMP_PID=1'));
    sendmsg(client, big);
    sendmsg(client, binary);
    sendmsg(client, [Buffer.from('MESSAGE='), Buffer.from('gathered')]);
    const got = [];
    for (let i = 0; i < 4; i++) got.push(await recvmsg(server, { timeoutMs: 5000 }));
    expect(got.map((r) => r.data.length)).toEqual([14, big.length, binary.length, 16]);
    expect(got[0]?.data.toString()).toBe('COREDUMP_PID=1');
    expect(got[1]?.data.equals(big)).toBe(true);
    expect(got[2]?.data.equals(binary)).toBe(true);
    expect(got[3]?.data.toString()).toBe('MESSAGE=gathered');
    expect(got.every((r) => !r.eof && !r.truncated && r.fds.length === 0)).toBe(true);
  });

  it('passes an fd in a zero-length datagram, which is not end of stream', async () => {
    const { client, server } = await seqpacketPair();
    const [readFd, writeFd] = track(pipe());
    writeSync(writeFd, 'through the pipe');
    close(writeFd);
    sendmsg(client, new Uint8Array(0), { fds: [readFd] });
    const r = await recvmsg(server, { timeoutMs: 5000 });
    expect(r).toMatchObject({ eof: false, truncated: false, controlTruncated: false });
    expect(r.data.length).toBe(0);
    expect(r.fds).toHaveLength(1);
    const [received] = track(r.fds);
    expect(received).not.toBe(readFd);
    const buf = Buffer.alloc(64);
    expect(buf.subarray(0, readSync(received ?? -1, buf)).toString()).toBe('through the pipe');
  });

  it('reports end of stream after the peer closes', async () => {
    const { client, server } = await seqpacketPair();
    sendmsg(client, Buffer.from('last'));
    close(client);
    expect((await recvmsg(server, { timeoutMs: 5000 })).data.toString()).toBe('last');
    expect(await recvmsg(server, { timeoutMs: 5000 })).toMatchObject({ eof: true, fds: [] });
    expect(recvmsgSync(server, { timeoutMs: 5000 }).eof).toBe(true);
  });

  it('times out with ETIMEDOUT, async and sync', async () => {
    const { server } = await seqpacketPair();
    const error: unknown = await recvmsg(server, { timeoutMs: 50 }).catch((e: unknown) => e);
    expect(isSysError(error, 'ETIMEDOUT')).toBe(true);
    expect(error).toMatchObject({ syscall: 'recvmsg', errno: 110 });
    expect(() => recvmsgSync(server, { timeoutMs: 10 })).toThrow(
      expect.objectContaining({ code: 'ETIMEDOUT' }),
    );
  });

  it('closes fds beyond maxFds and sets controlTruncated', async () => {
    const { client, server } = await seqpacketPair();
    const fds = track([...pipe(), ...pipe()]);
    sendmsg(client, Buffer.from('x'), { fds });
    const before = openFdCount();
    const r = await recvmsg(server, { timeoutMs: 5000, maxFds: 1 });
    track(r.fds);
    expect(r.fds).toHaveLength(1);
    expect(r.controlTruncated).toBe(true);
    expect(openFdCount()).toBe(before + 1);
  });

  it('knows its type and its peer', async () => {
    const { client, server } = await seqpacketPair();
    expect(socketType(client)).toBe('seqpacket');
    expect(peerCred(server)).toEqual({
      pid: process.pid,
      uid: process.getuid?.(),
      gid: process.getgid?.(),
    });
    const [r] = track(pipe());
    expect(socketType(r)).toBeUndefined();
  });

  it('accept times out with ETIMEDOUT', async () => {
    const listener = track(socket('seqpacket'));
    bind(listener, join(fx.dir, 'idle'));
    listen(listener);
    await expect(accept(listener, { timeoutMs: 20 })).rejects.toMatchObject({
      code: 'ETIMEDOUT',
      syscall: 'accept',
    });
    expect(() => acceptSync(listener, { timeoutMs: 0 })).toThrow(/ETIMEDOUT/);
  });
});

describe('dgram', () => {
  it('surfaces EMSGSIZE as a typed SysError', () => {
    const [a] = track(socketpair('dgram'));
    setSendBuffer(a, 8192);
    let error: unknown;
    try {
      sendmsg(a, Buffer.alloc(256 * 1024));
    } catch (e) {
      error = e;
    }
    expect(isSysError(error, 'EMSGSIZE')).toBe(true);
    expect(error).toMatchObject({ errno: 90, syscall: 'sendmsg' });
    expect(error).toBeInstanceOf(Error);
  });

  it('sends to a path, and a zero-length datagram is not end of stream', async () => {
    const server = track(socket('dgram'));
    const path = join(fx.dir, 'dgram');
    bind(server, path);
    const client = track(socket('dgram'));
    expect(sendmsg(client, Buffer.from('A=1\n'), { path })).toBe(4);
    sendmsg(client, new Uint8Array(0), { path });
    expect((await recvmsg(server, { timeoutMs: 5000 })).data.toString()).toBe('A=1\n');
    expect(await recvmsg(server, { timeoutMs: 5000 })).toMatchObject({ eof: false, fds: [] });
  });

  it('uses Linux abstract addresses for paths starting with @', async () => {
    const name = `@coredump-ts-test-${process.pid}-${randomBytes(6).toString('hex')}`;
    const server = track(socket('dgram'));
    bind(server, name);
    const client = track(socket('dgram'));
    sendmsg(client, Buffer.from('abstract'), { path: name });
    expect((await recvmsg(server, { timeoutMs: 5000 })).data.toString()).toBe('abstract');
    const connected = track(socket('dgram'));
    connect(connected, name);
    sendmsg(connected, Buffer.from('connected'));
    expect((await recvmsg(server, { timeoutMs: 5000 })).data.toString()).toBe('connected');
  });
});

describe('errors', () => {
  it.for([
    ['missing socket', 'nope', 'ENOENT'],
    ['path too long', 'x'.repeat(200), 'ENAMETOOLONG'],
  ] as const)('connect: %s', ([, name, code]) => {
    const fd = track(socket('seqpacket'));
    const path = join(fx.dir, name);
    let error: unknown;
    try {
      connect(fd, path);
    } catch (e) {
      error = e;
    }
    expect(isSysError(error, code)).toBe(true);
    expect(error).toMatchObject({ syscall: 'connect', path });
    expect((error as Error).message).toContain(path);
  });

  it('connect to a socket nobody listens on is ECONNREFUSED', () => {
    const path = join(fx.dir, 'dead');
    const dead = track(socket('seqpacket'));
    bind(dead, path);
    const fd = track(socket('seqpacket'));
    expect(() => {
      connect(fd, path);
    }).toThrow(expect.objectContaining({ code: 'ECONNREFUSED', path }));
  });

  it('bind to a taken path is EADDRINUSE', () => {
    const path = join(fx.dir, 'taken');
    bind(track(socket('dgram')), path);
    expect(() => {
      bind(track(socket('dgram')), path);
    }).toThrow(expect.objectContaining({ code: 'EADDRINUSE', syscall: 'bind' }));
  });

  it('isSysError rejects look-alikes', () => {
    expect(isSysError(new Error('x'))).toBe(false);
    expect(isSysError({ code: 'EIO', errno: 5, syscall: 'read' })).toBe(false);
    expect(
      isSysError(Object.assign(new Error('x'), { code: 'EIO', errno: 5, syscall: 'read' })),
    ).toBe(true);
  });
});
