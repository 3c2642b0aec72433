import { FIELD, encodeDatagram, field, halveDatagram } from '@coredump-ts/protocol';
import {
  close,
  pidfdOpen,
  pidfdPid,
  pipe,
  recvmsgSync,
  setSendBuffer,
  socketpair,
} from '@coredump-ts/unix';
import { describe, expect, it } from 'vitest';
import { sendCrash, sendField } from './send.js';

const drain = (fd: number): { data: Buffer; fds: number[] }[] => {
  const out: { data: Buffer; fds: number[] }[] = [];
  for (;;) {
    const m = recvmsgSync(fd, { timeoutMs: 2000, maxFds: 4 });
    if (m.eof) return out;
    out.push({ data: m.data, fds: m.fds });
  }
};

describe('sendCrash on a seqpacket socketpair', () => {
  it('sends one datagram per field, then the core fd and the pidfd', () => {
    const [a, b] = socketpair('seqpacket');
    const [r, w] = pipe();
    const pidfd = pidfdOpen(process.pid);
    try {
      const fields = [field(FIELD.PID, process.pid), field(FIELD.COMM, 'node')];
      const result = sendCrash(a, fields, r, pidfd);
      expect(result).toEqual({ halved: [], pidfdError: undefined });
      const got = drain(b);
      expect(got.map((m) => m.data.toString())).toEqual([
        `COREDUMP_PID=${process.pid}`,
        'COREDUMP_COMM=node',
        '',
        '',
      ]);
      expect(got.map((m) => m.fds.length)).toEqual([0, 0, 1, 1]);
      const passedPidfd = got[3]?.fds[0] ?? -1;
      expect(pidfdPid(passedPidfd)).toBe(process.pid);
      for (const m of got) for (const fd of m.fds) close(fd);
    } finally {
      close(b);
      close(r);
      close(w);
      close(pidfd);
    }
  });

  it('halves an oversize field and appends "..." until it fits', () => {
    const [a, b] = socketpair('seqpacket');
    try {
      setSendBuffer(a, 64 * 1024);
      const f = field(FIELD.PROC_MAPS, Buffer.alloc(4 * 1024 * 1024, 0x61));
      const times = sendField(a, f);
      expect(times).toBeGreaterThan(0);
      const got = recvmsgSync(b, { timeoutMs: 2000 }).data;
      expect(got).toEqual(halveDatagram(encodeDatagram(f), times));
      expect(got.subarray(-4).toString()).toBe('a...');
    } finally {
      close(a);
      close(b);
    }
  });
});
