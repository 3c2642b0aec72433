import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';

import { contextFromDatagrams } from '@coredump-ts/context';
import { parseStackJson, type StackTrace } from '@coredump-ts/stacktrace';
import { close, pidfdOpen } from '@coredump-ts/unix';
import { describe, expect, it } from 'vitest';

import { openProcMem } from './proc-mem.js';
import { traceOutcome } from './stack-trace.js';

const meta = contextFromDatagrams(
  [
    'COREDUMP_PID=4242',
    'COREDUMP_UID=1000',
    'COREDUMP_GID=1000',
    'COREDUMP_SIGNAL=11',
    'COREDUMP_TIMESTAMP=1700000000000000',
    'COREDUMP_RLIMIT=0',
    'COREDUMP_HOSTNAME=box',
    'COREDUMP_COMM=segv',
    'COREDUMP_EXE=/usr/bin/segv',
  ].map((s) => Buffer.from(s)),
  { pidfdReceived: false },
).meta;

const trace = parseStackJson(
  JSON.stringify({
    version: 1,
    architecture: 'AMD x86-64',
    threads: [
      {
        tid: 4242,
        frames: [
          {
            pc: '0x0000555555555197',
            function: 'main',
            module: 'segv',
            offset: '0x1197',
            buildId: null,
          },
        ],
      },
    ],
    modules: [
      {
        name: 'segv',
        path: '/usr/bin/segv',
        start: '0x555555554000',
        end: '0x555555559000',
        buildId: 'ab',
        package: { type: 'deb', name: 'segv', version: '1' },
      },
    ],
    truncated: false,
  }),
) as StackTrace;

const names = (fields: readonly { name: string }[]): string[] => fields.map((f) => f.name);

describe('the stack-trace step', () => {
  it('a trace: MESSAGE suffix, package, structured and signature fields', () => {
    const out = traceOutcome(meta, trace);
    expect(out.messageSuffix).toMatch(/^\n\nModule segv from deb segv-1\n/);
    expect(out.messageSuffix).toContain('\n#0  0x0000555555555197 main (segv + 0x1197)\n');
    expect(names(out.fields)).toEqual([
      'COREDUMP_PACKAGE_JSON',
      'COREDUMP_PACKAGE_NAME',
      'COREDUMP_PACKAGE_VERSION',
      'COREDUMP_TS_STACKTRACE',
      'COREDUMP_TS_SIGNATURE',
      'COREDUMP_TS_SIGNATURE_BASIS',
      'COREDUMP_TS_TOP_FRAME',
    ]);
    const value = (n: string): string | undefined =>
      out.fields.find((f) => f.name === n)?.value.toString();
    expect(value('COREDUMP_TS_SIGNATURE_BASIS')).toBe('frames');
    expect(value('COREDUMP_TS_TOP_FRAME')).toBe('segv!main');
    expect(JSON.parse(value('COREDUMP_TS_STACKTRACE') ?? '')).toMatchObject({ version: 1 });
  });

  it('no trace: no suffix, only the fallback signature', () => {
    const out = traceOutcome(meta, undefined);
    expect(out.messageSuffix).toBe('');
    expect(names(out.fields)).toEqual(['COREDUMP_TS_SIGNATURE', 'COREDUMP_TS_SIGNATURE_BASIS']);
    expect(out.fields[1]?.value.toString()).toBe('exe-signal');
  });
});

describe('/proc/PID/mem through a pidfd', () => {
  it('reads this process (the vdso starts with an ELF header)', () => {
    const auxv = readFileSync('/proc/self/auxv');
    let vdso: bigint | undefined;
    for (let o = 0; o + 16 <= auxv.length; o += 16) {
      if (auxv.readBigUInt64LE(o) === 33n) vdso = auxv.readBigUInt64LE(o + 8); // AT_SYSINFO_EHDR
    }
    if (vdso === undefined) throw new Error('no vdso');
    const pidfd = pidfdOpen(process.pid);
    try {
      const mem = openProcMem('/proc', process.pid, pidfd);
      if ('error' in mem) throw new Error(mem.error);
      expect(mem.read(vdso, 4)?.toString('latin1')).toBe('\x7fELF');
      expect(mem.read(8n, 4)).toBeUndefined(); // unmapped
      mem.close();
    } finally {
      close(pidfd);
    }
  });

  it('no pidfd, or a pidfd whose process is gone: no reader', async () => {
    expect(openProcMem('/proc', process.pid, undefined)).toEqual({ error: 'no pidfd' });
    const child = spawn('/bin/sleep', ['60']);
    const pid = child.pid ?? 0;
    const pidfd = pidfdOpen(pid);
    try {
      const live = openProcMem('/proc', pid, pidfd);
      if ('error' in live) throw new Error(live.error);
      live.close();
      child.kill('SIGKILL');
      await once(child, 'exit');
      expect(openProcMem('/proc', pid, pidfd)).toEqual({ error: `process ${String(pid)} is gone` });
    } finally {
      close(pidfd);
    }
  });
});
