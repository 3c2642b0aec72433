import { describe, expect, it } from 'vitest';
import fc from 'fast-check';

import { findAltstackFrames } from './signal-frame.js';

const ALTSTACK = 0x5555_0000_0000n;
const ALTSTACK_SIZE = 0x10000n;

/** An rt_sigframe as the kernel writes it, at `at` bytes into a stack buffer. */
function writeFrame(
  stack: Buffer,
  at: number,
  { ssSp = ALTSTACK, ssFlags = 0, sp = 0x7ffd_0000_1000n } = {},
): void {
  stack.writeBigUInt64LE(0x7f00_0000_1234n, at); // pretcode: __restore_rt
  stack.writeBigUInt64LE(0x7n, at + 8); // uc_flags: UC_FP_XSTATE | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS
  stack.writeBigUInt64LE(ssSp, at + 24);
  stack.writeUInt32LE(ssFlags, at + 32);
  stack.writeBigUInt64LE(ALTSTACK_SIZE, at + 40);
  stack.writeBigUInt64LE(sp, at + 48 + 15 * 8);
  stack.writeBigUInt64LE(0x5555_5555_5000n, at + 48 + 16 * 8);
}

describe('findAltstackFrames', () => {
  it('finds the frame of a handler on the alternate stack and its saved SP/PC', () => {
    const stack = Buffer.alloc(0x2000);
    writeFrame(stack, 0x1a08);
    const window = ALTSTACK + 0xe000n;
    expect(findAltstackFrames(stack, window, 2)).toEqual([
      { frame: window + 0x1a08n, sp: 0x7ffd_0000_1000n, pc: 0x5555_5555_5000n },
    ]);
  });

  it.for([
    ['a uc_stack that does not contain the frame', { ssSp: ALTSTACK + 0x100000n }],
    ['SS_DISABLE in ss_flags', { ssFlags: 2 }],
    ['a saved SP on the alternate stack itself', { sp: ALTSTACK + 0x100n }],
    ['no alternate stack (ss_sp 0)', { ssSp: 0n }],
  ] as const)('ignores %s', ([, frame]) => {
    const stack = Buffer.alloc(0x2000);
    writeFrame(stack, 0x1a08, frame);
    expect(findAltstackFrames(stack, ALTSTACK + 0xe000n, 2)).toEqual([]);
  });

  it('stops at max and reads only 8-byte aligned positions', () => {
    const stack = Buffer.alloc(0x2000);
    writeFrame(stack, 0x100);
    writeFrame(stack, 0x800);
    writeFrame(stack, 0x1000);
    expect(findAltstackFrames(stack, ALTSTACK + 0xe000n, 2)).toHaveLength(2);
    // The window starts 4 bytes off alignment: the frames at aligned addresses are found.
    expect(findAltstackFrames(stack.subarray(4), ALTSTACK + 0xe004n, 5)).toHaveLength(3);
  });
});

/** The plain scan, one position at a time, as the oracle for the word filter above. */
function scanEachPosition(stack: Buffer, address: bigint, max: number) {
  const found: { frame: bigint; sp: bigint; pc: bigint }[] = [];
  const first = Number((8n - (address % 8n)) % 8n);
  for (let at = first; at + 184 <= stack.length && found.length < max; at += 8) {
    const ssSp = stack.readBigUInt64LE(at + 24);
    const ssSize = stack.readBigUInt64LE(at + 40);
    const frame = address + BigInt(at);
    const sp = stack.readBigUInt64LE(at + 168);
    const ok =
      (stack.readUInt32LE(at + 32) & ~(1 | (1 << 31))) === 0 &&
      stack.readBigUInt64LE(at + 16) === 0n &&
      (stack.readBigUInt64LE(at + 8) & ~0xfn) === 0n &&
      ssSp !== 0n &&
      ssSize !== 0n &&
      ssSize <= 1n << 30n &&
      frame >= ssSp &&
      frame < ssSp + ssSize &&
      !(sp >= ssSp && sp < ssSp + ssSize);
    if (!ok) continue;
    found.push({ frame, sp, pc: stack.readBigUInt64LE(at + 176) });
    at += 184 - 8;
  }
  return found;
}

describe('findAltstackFrames (property)', () => {
  it('finds what a scan of every position finds, at any alignment of buffer and address', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 7 }), // the buffer's offset into its ArrayBuffer
        fc.integer({ min: 0, max: 7 }), // the window address's offset from 8-byte alignment
        fc.array(fc.integer({ min: 0, max: 0x7f0 }), { maxLength: 4 }), // frames (8-byte units)
        fc.array(fc.tuple(fc.integer({ min: 0, max: 0x3ff8 }), fc.integer()), { maxLength: 64 }),
        fc.integer({ min: 0, max: 6 }),
        (bufferOffset, addressSkew, frames, noise, max) => {
          const backing = Buffer.alloc(0x4000 + 8);
          const stack = backing.subarray(bufferOffset, bufferOffset + 0x4000);
          const address = ALTSTACK + 0x8000n + BigInt(addressSkew);
          const first = (8 - addressSkew) % 8;
          for (const unit of frames) {
            const at = first + unit * 8;
            if (at + 184 <= stack.length) writeFrame(stack, at);
          }
          for (const [at, value] of noise) stack.writeInt32LE(value, at);
          expect(findAltstackFrames(stack, address, max)).toEqual(
            scanEachPosition(stack, address, max),
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});
