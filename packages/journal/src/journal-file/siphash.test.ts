import { describe, expect, it } from 'vitest';
import { siphash24 } from './siphash.js';

// Test vectors from the SipHash paper's reference implementation: key 00..0f,
// message 00..(len-1).
const KEY = Uint8Array.from({ length: 16 }, (_, i) => i);
const message = (len: number): Uint8Array => Uint8Array.from({ length: len }, (_, i) => i);

describe('siphash24', () => {
  it.for([
    [0, 0x726fdb47dd0e0e31n],
    [1, 0x74f839c593dc67fdn],
    [7, 0xab0200f58b01d137n],
    [8, 0x93f5f5799a932462n],
    [15, 0xa129ca6149be45e5n],
    [63, 0x958a324ceb064572n],
  ] as const)('%i bytes', ([len, want]) => {
    expect(siphash24(message(len), KEY)).toBe(want);
  });

  it('needs a 16-byte key', () => {
    expect(() => siphash24(message(1), new Uint8Array(8))).toThrow(RangeError);
  });
});
