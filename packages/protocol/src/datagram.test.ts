import { describe, expect, it } from 'vitest';
import { decodeDatagram, encodeDatagram, halveDatagram } from './datagram.js';
import { isCoredumpError } from './errors.js';
import { field } from './fields.js';

const binary = Buffer.from([0x00, 0xff, 0x0a, 0x3d, 0x80, 0x41]);

describe('encodeDatagram / decodeDatagram', () => {
  it.for([
    ['COREDUMP_PID', Buffer.from('42'), 'COREDUMP_PID=42'],
    ['COREDUMP_UNIT', Buffer.alloc(0), 'COREDUMP_UNIT='],
    ['COREDUMP_CMDLINE', Buffer.from('a=b c=d'), 'COREDUMP_CMDLINE=a=b c=d'],
    ['COREDUMP_PROC_AUXV', binary, Buffer.concat([Buffer.from('COREDUMP_PROC_AUXV='), binary])],
  ] as const)('%s round-trips byte for byte', ([name, value, wire]) => {
    const encoded = encodeDatagram({ name, value });
    expect(encoded.equals(Buffer.from(wire))).toBe(true);
    const decoded = decodeDatagram(encoded);
    expect(decoded.name).toBe(name);
    expect(decoded.value.equals(value)).toBe(true);
  });

  it.for(['no equals sign', '=value with empty name'])('rejects %j', (text) => {
    let err: unknown;
    try {
      decodeDatagram(Buffer.from(text));
    } catch (e) {
      err = e;
    }
    expect(isCoredumpError(err, 'ERR_PROTOCOL')).toBe(true);
  });

  it('does not alias the input buffer', () => {
    const wire = encodeDatagram(field('X', 'abc'));
    const decoded = decodeDatagram(wire);
    wire.fill(0);
    expect(decoded.value.toString()).toBe('abc');
  });
});

describe('halveDatagram', () => {
  const original = Buffer.from('COREDUMP_ENVIRON=0123456789abcdefghij'); // 37 bytes
  it.for([
    [1, 'COREDUMP_ENVIRON=0...'], // floor(37/2)=18
    [2, 'COREDUMP_...'], // floor(37/4)=9
    [3, 'CORE...'], // floor(37/8)=4
    [5, 'C...'], // floor(37/32)=1
    [6, '...'], // floor(37/64)=0
  ] as const)('retry %i keeps floor(len / 2^n) bytes of the original + "..."', ([n, want]) => {
    expect(halveDatagram(original, n).toString()).toBe(want);
  });

  it('defaults to one halving, and the "..." of an earlier retry is not halved again', () => {
    expect(halveDatagram(original).equals(halveDatagram(original, 1))).toBe(true);
    let previous = halveDatagram(original, 1);
    for (let n = 2; n <= 6; n++) {
      const next = halveDatagram(original, n);
      expect(next.length).toBe(Math.floor(original.length / 2 ** n) + 3);
      expect(next.length).toBeLessThan(previous.length);
      expect(next.subarray(-3).toString()).toBe('...');
      previous = next;
    }
  });

  it('keeps binary bytes intact', () => {
    const b = Buffer.from([0, 1, 0xff, 0x0a, 5, 6, 7, 8]);
    expect(halveDatagram(b).equals(Buffer.from([0, 1, 0xff, 0x0a, 0x2e, 0x2e, 0x2e]))).toBe(true);
  });

  it.for([0, -1, 1.5])('rejects times=%d', (n) => {
    expect(() => halveDatagram(original, n)).toThrow(RangeError);
  });
});
