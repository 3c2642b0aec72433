// SipHash-2-4 (Aumasson & Bernstein), the keyed hash of journal files with
// KEYED_HASH set: key = the file's file_id, input = a DATA/FIELD payload.
// The 64-bit lanes are kept as 32-bit halves in plain numbers: a query hashes
// each match once per file, at start-up, before the JIT has run, where
// BigInt arithmetic costs an allocation per operation.

/** v0..v3 as [hi, lo] pairs: v[2k] is the high half of lane k. */
type Lanes = Uint32Array;

function add(v: Lanes, a: number, b: number): void {
  const lo = (v[a + 1] ?? 0) + (v[b + 1] ?? 0);
  v[a] = (v[a] ?? 0) + (v[b] ?? 0) + (lo > 0xffff_ffff ? 1 : 0);
  v[a + 1] = lo;
}

function xor(v: Lanes, a: number, b: number): void {
  v[a] = (v[a] ?? 0) ^ (v[b] ?? 0);
  v[a + 1] = (v[a + 1] ?? 0) ^ (v[b + 1] ?? 0);
}

/** Rotate lane `a` left by `n` bits (0 < n < 32, or 32). */
function rotl(v: Lanes, a: number, n: number): void {
  const hi = v[a] ?? 0;
  const lo = v[a + 1] ?? 0;
  if (n === 32) {
    v[a] = lo;
    v[a + 1] = hi;
    return;
  }
  v[a] = (hi << n) | (lo >>> (32 - n));
  v[a + 1] = (lo << n) | (hi >>> (32 - n));
}

const V0 = 0;
const V1 = 2;
const V2 = 4;
const V3 = 6;

function round(v: Lanes): void {
  add(v, V0, V1);
  rotl(v, V1, 13);
  xor(v, V1, V0);
  rotl(v, V0, 32);
  add(v, V2, V3);
  rotl(v, V3, 16);
  xor(v, V3, V2);
  add(v, V0, V3);
  rotl(v, V3, 21);
  xor(v, V3, V0);
  add(v, V2, V1);
  rotl(v, V1, 17);
  xor(v, V1, V2);
  rotl(v, V2, 32);
}

/** One message word (little-endian, `hi`:`lo`) through two rounds. */
function compress(v: Lanes, hi: number, lo: number): void {
  v[V3] = (v[V3] ?? 0) ^ hi;
  v[V3 + 1] = (v[V3 + 1] ?? 0) ^ lo;
  round(v);
  round(v);
  v[V0] = (v[V0] ?? 0) ^ hi;
  v[V0 + 1] = (v[V0 + 1] ?? 0) ^ lo;
}

const le32 = (b: Uint8Array, at: number): number =>
  ((b[at] ?? 0) | ((b[at + 1] ?? 0) << 8) | ((b[at + 2] ?? 0) << 16) | ((b[at + 3] ?? 0) << 24)) >>>
  0;

/** SipHash-2-4 of `data` under a 16-byte `key`, as an unsigned 64-bit BigInt. */
export function siphash24(data: Uint8Array, key: Uint8Array): bigint {
  if (key.length !== 16) throw new RangeError('siphash24 needs a 16-byte key');
  const k0hi = le32(key, 4);
  const k0lo = le32(key, 0);
  const k1hi = le32(key, 12);
  const k1lo = le32(key, 8);
  const v: Lanes = Uint32Array.of(
    k0hi ^ 0x736f6d65,
    k0lo ^ 0x70736575,
    k1hi ^ 0x646f7261,
    k1lo ^ 0x6e646f6d,
    k0hi ^ 0x6c796765,
    k0lo ^ 0x6e657261,
    k1hi ^ 0x74656462,
    k1lo ^ 0x79746573,
  );
  const whole = data.length - (data.length % 8);
  for (let i = 0; i < whole; i += 8) compress(v, le32(data, i + 4), le32(data, i));
  // The last word: the remaining bytes, and the length's low byte on top.
  const tail = new Uint8Array(8);
  tail.set(data.subarray(whole));
  tail[7] = data.length & 0xff;
  compress(v, le32(tail, 4), le32(tail, 0));
  v[V2 + 1] = (v[V2 + 1] ?? 0) ^ 0xff;
  round(v);
  round(v);
  round(v);
  round(v);
  const hi = ((v[V0] ?? 0) ^ (v[V1] ?? 0) ^ (v[V2] ?? 0) ^ (v[V3] ?? 0)) >>> 0;
  const lo = ((v[V0 + 1] ?? 0) ^ (v[V1 + 1] ?? 0) ^ (v[V2 + 1] ?? 0) ^ (v[V3 + 1] ?? 0)) >>> 0;
  return (BigInt(hi) << 32n) | BigInt(lo);
}
