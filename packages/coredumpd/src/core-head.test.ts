import { writeSync } from 'node:fs';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { close, socketpair } from '@coredump-ts/unix';

import { readCoreHead, readThroughNotes, signalFromCoreHead } from './core-head.js';

const NT_PRSTATUS = 1;
const NT_PRPSINFO = 3;
const NT_SIGINFO = 0x53494749;

interface Note {
  type: number;
  desc: Buffer;
  name?: string;
}

/**
 * A minimal ELF core as the kernel lays one out: header, the PT_NOTE program
 * header first, `loads` PT_LOAD headers, then the notes.
 */
function fakeCore({
  is64 = true,
  little = true,
  notes,
  loads = 3,
  type = 4,
}: {
  is64?: boolean;
  little?: boolean;
  notes: Note[];
  loads?: number;
  type?: number;
}): Buffer {
  const ehsize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const phnum = 1 + loads;
  const notesOff = ehsize + phnum * phentsize;
  const noteBytes = Buffer.concat(
    notes.map((n) => {
      const name = Buffer.from(`${n.name ?? 'CORE'}\0`);
      const pad = (b: Buffer): Buffer => Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
      const head = Buffer.alloc(12);
      const w32 = (v: number, o: number): void => {
        if (little) head.writeUInt32LE(v, o);
        else head.writeUInt32BE(v, o);
      };
      w32(name.length, 0);
      w32(n.desc.length, 4);
      w32(n.type, 8);
      return Buffer.concat([head, pad(name), pad(n.desc)]);
    }),
  );
  const out = Buffer.alloc(notesOff);
  out.writeUInt32BE(0x7f454c46, 0);
  out[4] = is64 ? 2 : 1;
  out[5] = little ? 1 : 2;
  out[6] = 1;
  const u16 = (v: number, o: number): number =>
    little ? out.writeUInt16LE(v, o) : out.writeUInt16BE(v, o);
  const u32 = (v: number, o: number): number =>
    little ? out.writeUInt32LE(v, o) : out.writeUInt32BE(v, o);
  const u64 = (v: number, o: number): number =>
    little ? out.writeBigUInt64LE(BigInt(v), o) : out.writeBigUInt64BE(BigInt(v), o);
  u16(type, 16);
  if (is64) {
    u64(ehsize, 32);
    u16(phentsize, 54);
    u16(phnum, 56);
  } else {
    u32(ehsize, 28);
    u16(phentsize, 42);
    u16(phnum, 44);
  }
  for (let i = 0; i < phnum; i++) {
    const ph = ehsize + i * phentsize;
    u32(i === 0 ? 4 : 1, ph);
    if (i !== 0) continue;
    if (is64) {
      u64(notesOff, ph + 8);
      u64(noteBytes.length, ph + 32);
    } else {
      u32(notesOff, ph + 4);
      u32(noteBytes.length, ph + 16);
    }
  }
  return Buffer.concat([out, noteBytes, Buffer.alloc(4096, 0xaa)]);
}

function prstatus(cursig: number, little = true): Note {
  const desc = Buffer.alloc(336);
  if (little) desc.writeUInt16LE(cursig, 12);
  else desc.writeUInt16BE(cursig, 12);
  return { type: NT_PRSTATUS, desc };
}
function siginfo(signo: number, little = true): Note {
  const desc = Buffer.alloc(128);
  if (little) desc.writeInt32LE(signo, 0);
  else desc.writeInt32BE(signo, 0);
  return { type: NT_SIGINFO, desc };
}
const prpsinfo: Note = { type: NT_PRPSINFO, desc: Buffer.alloc(136) };

/** Feed the core the way readCoreHead does: as many bytes as asked for each time. */
function feed(core: Buffer): ReturnType<typeof signalFromCoreHead> {
  let have = 0;
  for (;;) {
    const r = signalFromCoreHead(core.subarray(0, have), have >= core.length);
    if (r.kind === 'done') return r;
    expect(r.bytes).toBeGreaterThan(have);
    have = Math.min(r.bytes, core.length);
  }
}

describe('signalFromCoreHead', () => {
  it.for([
    ['64-bit little-endian', true, true],
    ['64-bit big-endian', true, false],
    ['32-bit little-endian', false, true],
    ['32-bit big-endian', false, false],
  ] as const)('takes si_signo from NT_SIGINFO (%s)', ([, is64, little]) => {
    const core = fakeCore({
      is64,
      little,
      notes: [prstatus(6, little), prpsinfo, siginfo(11, little)],
    });
    expect(feed(core)).toEqual({ kind: 'done', signal: 11, source: 'NT_SIGINFO' });
  });

  it('falls back to pr_cursig of NT_PRSTATUS', () => {
    const core = fakeCore({ notes: [prstatus(6), prpsinfo] });
    expect(feed(core)).toEqual({ kind: 'done', signal: 6, source: 'NT_PRSTATUS' });
  });

  it('reads no further than the notes it needs', () => {
    const core = fakeCore({ loads: 200, notes: [prstatus(6), prpsinfo, siginfo(7)] });
    let asked = 0;
    for (;;) {
      const r = signalFromCoreHead(core.subarray(0, asked));
      if (r.kind === 'done') break;
      asked = r.bytes;
    }
    const sigDesc = 64 + 201 * 56 + (12 + 8 + 336) + (12 + 8 + 136) + 12 + 8;
    expect(asked).toBe(sigDesc + 4);
  });

  it.for([
    ['not ELF', Buffer.from('this is not an ELF core at all, only text'), 'not an ELF file'],
    ['an executable', fakeCore({ type: 2, notes: [siginfo(11)] }), 'not an ELF core'],
    [
      'no signal notes',
      fakeCore({ notes: [prpsinfo] }),
      'no NT_SIGINFO or NT_PRSTATUS note with a signal',
    ],
    [
      'an invalid signal',
      fakeCore({ notes: [siginfo(99)] }),
      'no NT_SIGINFO or NT_PRSTATUS note with a signal',
    ],
  ] as const)('says why it has no signal: %s', ([, core, reason]) => {
    expect(feed(core)).toEqual({ kind: 'done', signal: undefined, reason });
  });

  it('ends without a signal when the stream ends early, never throwing', () => {
    const core = fakeCore({ notes: [prstatus(6), prpsinfo, siginfo(11)] });
    for (let cut = 0; cut < 1200; cut += 7) {
      const r = signalFromCoreHead(core.subarray(0, cut), true);
      expect(r.kind).toBe('done');
    }
  });

  it('never throws and never asks for fewer bytes than it has, on any input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.boolean(), (bytes, eof) => {
        const b = Buffer.from(bytes);
        // An ELF64 little-endian core header, then anything: the parser goes deep.
        if (b.length >= 18) {
          b.writeUInt32BE(0x7f454c46, 0);
          b[4] = 2;
          b[5] = 1;
          b.writeUInt16LE(4, 16);
        }
        const r = signalFromCoreHead(b, eof);
        if (r.kind === 'need') expect(r.bytes).toBeGreaterThan(b.length);
      }),
      { numRuns: 500 },
    );
  });
});

describe('readCoreHead', () => {
  it('reads the head from a stream and keeps every byte it read', () => {
    const core = fakeCore({ notes: [prstatus(6), prpsinfo, siginfo(5)] });
    const [a, b] = socketpair('stream');
    try {
      writeSync(b, core);
      close(b);
      const head = readCoreHead(a);
      expect(head.result.signal).toBe(5);
      expect(head.eof).toBe(false);
      expect(head.head.equals(core.subarray(0, head.head.length))).toBe(true);
    } finally {
      close(a);
    }
  });
});

describe('readThroughNotes', () => {
  it('reads on from the head to the end of the PT_NOTE segment, and no further', () => {
    // The signal is in the first notes; 20 more threads' notes follow it.
    const many = Array.from({ length: 20 }, () => prstatus(0));
    const core = fakeCore({ notes: [prstatus(6), prpsinfo, siginfo(5), ...many] });
    const notes = core.subarray(0, core.length - 4096); // fakeCore ends with 4 KiB of "memory"
    const [a, b] = socketpair('stream');
    try {
      writeSync(b, core);
      close(b);
      const head = readCoreHead(a);
      expect(head.head.length).toBeLessThan(notes.length);
      const all = readThroughNotes(a, head.head);
      expect(all.equals(notes)).toBe(true);
    } finally {
      close(a);
    }
  });

  it('leaves a head that is not a core as it is', () => {
    const [a, b] = socketpair('stream');
    try {
      writeSync(b, Buffer.from('not an ELF core at all'));
      expect(readThroughNotes(a, Buffer.from('nope')).toString()).toBe('nope');
    } finally {
      close(a);
      close(b);
    }
  });
});
