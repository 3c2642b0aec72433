// The crash signature (issue 18, DESIGN §5): a short hex hash that two crashes
// of the same bug share across boots, PIDs and ASLR slides, and that a
// different crash site does not. It hashes the executable, the signal and the
// crashing thread's top frames normalised to `module!function` (or
// `module+0xoffset` when there is no symbol: module-relative, so ASLR does not
// move it). Addresses and PIDs never enter. Without a trace it falls back to
// the executable and the signal, and says so in `basis`.

/** The parts of the stack-trace JSON (@coredump-ts/stacktrace) that a signature reads. */
export interface TraceFrameLike {
  readonly function?: string | null;
  readonly module?: string | null;
  readonly offset?: string | null;
}
export interface TraceLike {
  readonly threads?: readonly { readonly frames?: readonly TraceFrameLike[] }[];
}

export type SignatureBasis = 'frames' | 'exe-signal';

export interface CrashSignature {
  /** 16 lowercase hex digits. */
  readonly signature: string;
  /** What went into it: the top frames, or only the executable and signal. */
  readonly basis: SignatureBasis;
  /** The normalised frames that were hashed (empty for the fallback). */
  readonly frames: readonly string[];
}

export interface SignatureInput {
  /** COREDUMP_EXE, else COREDUMP_COMM. */
  readonly exe: string;
  /** The signal number (COREDUMP_SIGNAL); undefined hashes as 0. */
  readonly signal: number | undefined;
  readonly trace?: TraceLike | undefined;
}

/** How many frames below the crash machinery go into the hash. */
export const SIGNATURE_FRAMES = 5;

/**
 * Frames that say how a process died, not where: every abort(), assert() and
 * fortify failure passes through them, so hashing them would give every such
 * crash one signature. They are skipped while they are on top of the stack.
 */
const CRASH_MACHINERY: ReadonlySet<string> = new Set([
  '__pthread_kill_implementation',
  '__pthread_kill_internal',
  '__pthread_kill',
  'pthread_kill',
  '__GI___pthread_kill',
  'raise',
  '__GI_raise',
  'gsignal',
  'abort',
  '__GI_abort',
  '__assert_fail_base',
  '__assert_fail',
  '__assert_perror_fail',
  '__libc_message',
  '__libc_message_impl',
  '__fortify_fail',
  '__chk_fail',
  '__stack_chk_fail',
  'malloc_printerr',
  '__malloc_assert',
  '__restore_rt',
]);

/** `module!function`, or `module+0xoffset` without a symbol; undefined when nothing is known. */
export function normaliseFrame(frame: TraceFrameLike): string | undefined {
  const module = baseName(frame.module ?? '') || '?';
  if (frame.function !== undefined && frame.function !== null && frame.function !== '') {
    return `${module}!${frame.function}`;
  }
  if (frame.offset !== undefined && frame.offset !== null && frame.offset !== '') {
    return `${module}+${frame.offset.toLowerCase()}`;
  }
  return undefined;
}

/** The normalised top frames of the crashing (first) thread, crash machinery skipped. */
export function topFrames(trace: TraceLike | undefined, count = SIGNATURE_FRAMES): string[] {
  const frames = trace?.threads?.[0]?.frames ?? [];
  const out: string[] = [];
  let skipping = true;
  for (const frame of frames) {
    if (out.length >= count) break;
    if (skipping && frame.function && CRASH_MACHINERY.has(frame.function)) continue;
    skipping = false;
    const text = normaliseFrame(frame);
    if (text !== undefined) out.push(text);
  }
  return out;
}

export function crashSignature(input: SignatureInput): CrashSignature {
  const frames = topFrames(input.trace);
  const signal = String(input.signal ?? 0);
  if (frames.length === 0) {
    return { signature: fnv1a64(['exe-signal', input.exe, signal]), basis: 'exe-signal', frames };
  }
  return {
    signature: fnv1a64(['frames', input.exe, signal, ...frames]),
    basis: 'frames',
    frames,
  };
}

function baseName(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}

/**
 * 64-bit FNV-1a over the UTF-8 bytes of the parts, each followed by a NUL (so
 * ["ab","c"] and ["a","bc"] differ), as 16 hex digits. Two 32-bit halves keep
 * it off BigInt; node:crypto would cost the worker ~5 ms to load per crash.
 */
export function fnv1a64(parts: readonly string[]): string {
  // offset basis 0xcbf29ce484222325, prime 0x100000001b3 = 2^40 + 0x1b3
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  const step = (byte: number): void => {
    lo = (lo ^ byte) >>> 0;
    // (hi:lo) * 0x1b3 + ((lo << 40) mod 2^64): lo*2^40 only reaches the high word, as lo << 8.
    const loMul = lo * 0x1b3;
    const newLo = loMul >>> 0;
    const carry = Math.floor(loMul / 0x100000000);
    hi = (Math.imul(hi, 0x1b3) + carry + ((lo << 8) >>> 0)) >>> 0;
    lo = newLo;
  };
  const encoder = new TextEncoder();
  for (const part of parts) {
    for (const byte of encoder.encode(part)) step(byte);
    step(0);
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}
