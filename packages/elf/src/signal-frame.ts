// Signal frames on an alternate signal stack (x86-64). A handler that runs on a
// sigaltstack has the interrupted code's stack elsewhere: the unwinder follows the
// saved SP/PC in the kernel's rt_sigframe, so the mini core must keep that stack too.
//
// struct rt_sigframe { char *pretcode; struct ucontext uc; struct siginfo info; }
// ucontext: uc_flags (8), uc_link (8), uc_stack { ss_sp (8), ss_flags (4+4), ss_size (8) },
// then uc_mcontext (struct sigcontext: r8..r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip).
// The kernel saves the task's alternate stack in uc_stack (ss_flags as sigaltstack set
// them: 0 or SS_AUTODISARM; older kernels wrote SS_ONSTACK): a frame is recognised by
// that record describing a stack that contains the frame itself, a uc_link of 0 and
// uc_flags within the kernel's UC_* bits.

const UC_FLAGS = 8;
const UC_LINK = 16;
const SS_SP = 24;
const SS_FLAGS = 32;
const SS_SIZE = 40;
const SAVED_SP = 48 + 15 * 8;
const SAVED_PC = 48 + 16 * 8;
const FRAME_BYTES = SAVED_PC + 8;
const SS_FLAGS_ALLOWED = ~(1 | (1 << 31)) >>> 0; // SS_ONSTACK, SS_AUTODISARM
const UC_KNOWN_FLAGS = 0xfn;
const MAX_ALTSTACK_BYTES = 1n << 30n;

export interface SavedContext {
  /** Address of the rt_sigframe. */
  readonly frame: bigint;
  readonly sp: bigint;
  readonly pc: bigint;
}

/** Signal frames in `stack` (memory at `address`), lowest first, at most `max`. */
export function findAltstackFrames(stack: Buffer, address: bigint, max: number): SavedContext[] {
  const found: SavedContext[] = [];
  const skew = Number(address % 8n);
  const first = (8 - skew) % 8;
  // A first test on 32-bit words, the one almost every stack word fails: ss_size
  // is 1..1 GiB, so its high half is 0 and its low half is not. Through
  // Buffer.readUInt32LE this scan was ~9 ms of a crash's worker on a 1 MiB
  // stack window; words of an aligned copy cost a fraction.
  const words = first % 4 === 0 ? wordsOf(stack, first) : undefined;
  for (let at = first; at + FRAME_BYTES <= stack.length && found.length < max; at += 8) {
    if (words !== undefined) {
      const w = (at - first) >>> 2;
      if (words[w + (SS_SIZE + 4) / 4] !== 0 || words[w + SS_SIZE / 4] === 0) continue;
    }
    if ((stack.readUInt32LE(at + SS_FLAGS) & SS_FLAGS_ALLOWED) !== 0) continue;
    if (stack.readBigUInt64LE(at + UC_LINK) !== 0n) continue;
    if ((stack.readBigUInt64LE(at + UC_FLAGS) & ~UC_KNOWN_FLAGS) !== 0n) continue;
    const ssSp = stack.readBigUInt64LE(at + SS_SP);
    const ssSize = stack.readBigUInt64LE(at + SS_SIZE);
    const frame = address + BigInt(at);
    if (ssSp === 0n || ssSize === 0n || ssSize > MAX_ALTSTACK_BYTES) continue;
    if (frame < ssSp || frame >= ssSp + ssSize) continue;
    const sp = stack.readBigUInt64LE(at + SAVED_SP);
    if (sp >= ssSp && sp < ssSp + ssSize) continue; // interrupted on the altstack itself
    found.push({ frame, sp, pc: stack.readBigUInt64LE(at + SAVED_PC) });
    at += FRAME_BYTES - 8;
  }
  return found;
}

/** stack[from..] as little-endian 32-bit words (an aligned copy; x86-64 is little-endian). */
function wordsOf(stack: Buffer, from: number): Uint32Array {
  const bytes = stack.length - from;
  const copy = new Uint8Array(bytes - (bytes % 4));
  copy.set(stack.subarray(from, from + copy.length));
  return new Uint32Array(copy.buffer);
}
