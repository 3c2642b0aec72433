/**
 * Handler -> worker datagrams (spec §3.2): one SOCK_SEQPACKET datagram per field, payload
 * exactly `NAME=value` with no newline and no NUL terminator; values are raw bytes.
 */
import { CoredumpError } from './errors.js';
import type { JournalField } from './fields.js';

const EQUALS = 0x3d;
const ELLIPSIS = Buffer.from('...', 'latin1');

export const encodeDatagram = (f: JournalField): Buffer =>
  Buffer.concat([Buffer.from(`${f.name}=`, 'latin1'), f.value]);

/** Splits at the first `=`; a datagram without one (or with an empty name) is ERR_PROTOCOL. */
export const decodeDatagram = (b: Buffer): JournalField => {
  const eq = b.indexOf(EQUALS);
  if (eq <= 0) {
    throw new CoredumpError(
      'ERR_PROTOCOL',
      eq === 0 ? 'Received datagram with an empty field name.' : "Received datagram without '='.",
    );
  }
  return { name: b.subarray(0, eq).toString('latin1'), value: Buffer.from(b.subarray(eq + 1)) };
};

/**
 * The EMSGSIZE/ENOBUFS retry rule: the first floor(len / 2^times) bytes of the ORIGINAL
 * datagram followed by "...". systemd halves the original prefix on every retry and
 * re-appends "..." (it never halves the "..."), so retry n is
 * `halveDatagram(original, n)`, not `halveDatagram(previousResult)`.
 */
export const halveDatagram = (b: Buffer, times = 1): Buffer => {
  if (!Number.isInteger(times) || times < 1) {
    throw new RangeError(`halveDatagram: times must be a positive integer, got ${times}`);
  }
  const keep = Math.floor(b.length / 2 ** times);
  return Buffer.concat([b.subarray(0, keep), ELLIPSIS]);
};
