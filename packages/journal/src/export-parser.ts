// Incremental parser for the Journal Export Format
// (https://systemd.io/JOURNAL_EXPORT_FORMATS/), as printed by `journalctl -o export`:
//
//   FIELD=value\n                         text field
//   FIELD\n <le64 length> <bytes> \n      binary field
//   \n                                    end of entry
//
// The parser is binary-safe across arbitrary chunk boundaries and never holds
// more than the current line or field in memory. Anything it does not
// understand is an error naming the problem and its byte offset.
import { journalError } from './errors.js';
import { makeEntry, type JournalEntry } from './entry.js';

/** journald's DATA_SIZE_MAX: no field can be longer than this. */
export const DATA_SIZE_MAX = 768 * 1024 * 1024;
/** journald's field-name limit (FIELD_NAME_MAX / JOURNAL_FIELD_NAME_MAX). */
const FIELD_NAME_MAX = 64;
/** A text line holds at most a name, '=', and a value of DATA_SIZE_MAX. */
const LINE_MAX = FIELD_NAME_MAX + 1 + DATA_SIZE_MAX;
const NEWLINE = 0x0a;

type State =
  | { kind: 'line' }
  | { kind: 'length'; name: string }
  | { kind: 'data'; name: string; value: Buffer; filled: number }
  | { kind: 'data-newline'; name: string; value: Buffer };

function parseError(message: string, offset: number): Error {
  return journalError(
    'ERR_JOURNAL_EXPORT_PARSE',
    `journal export: ${message} at byte offset ${offset}`,
  );
}

/** journald's rule: [A-Z0-9_], not starting with a digit, 1..64 bytes. `__` address fields allowed. */
function isValidFieldName(name: string): boolean {
  return name.length > 0 && name.length <= FIELD_NAME_MAX && /^[A-Z_][A-Z0-9_]*$/.test(name);
}

export class ExportParser {
  #state: State = { kind: 'line' };
  /** Bytes of the current, incomplete line or length word. */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** Absolute offset of the next byte to be pushed. */
  #offset = 0;
  /** Absolute offset where the pending bytes started. */
  #pendingOffset = 0;
  #fields = new Map<string, Buffer[]>();
  #entryOffset = 0;
  #failed: Error | undefined;

  /** Feeds a chunk; returns the entries it completed. Throws on malformed input. */
  push(chunk: Uint8Array): JournalEntry[] {
    if (this.#failed) throw this.#failed;
    const buf = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const out: JournalEntry[] = [];
    try {
      let pos = 0;
      while (pos < buf.length) pos = this.#step(buf, pos, out);
    } catch (err) {
      this.#failed = err as Error;
      throw err;
    }
    return out;
  }

  /** Signals end of input. Throws if the input stopped inside an entry. */
  end(): void {
    if (this.#failed) throw this.#failed;
    const state = this.#state;
    let problem: string | undefined;
    if (state.kind === 'length')
      problem = `truncated input: missing 8-byte length of binary field ${state.name}`;
    else if (state.kind === 'data')
      problem = `truncated input: binary field ${state.name} has ${state.filled} of ${state.value.length} bytes`;
    else if (state.kind === 'data-newline')
      problem = `truncated input: missing newline after binary field ${state.name}`;
    else if (this.#pendingBytes > 0) problem = 'truncated input: last line has no newline';
    else if (this.#fields.size > 0)
      problem = 'truncated input: entry not terminated by an empty line';
    if (problem !== undefined) {
      this.#failed = parseError(problem, this.#offset);
      throw this.#failed;
    }
  }

  #step(buf: Buffer, pos: number, out: JournalEntry[]): number {
    const state = this.#state;
    switch (state.kind) {
      case 'line': {
        const nl = buf.indexOf(NEWLINE, pos);
        const end = nl === -1 ? buf.length : nl;
        if (this.#pendingBytes === 0) this.#pendingOffset = this.#offset;
        if (this.#pendingBytes + (end - pos) > LINE_MAX)
          throw parseError(`line longer than ${LINE_MAX} bytes`, this.#pendingOffset);
        this.#offset += end - pos;
        if (nl === -1) {
          this.#keep(buf.subarray(pos));
          return buf.length;
        }
        const line = this.#take(buf.subarray(pos, nl));
        const lineOffset = this.#pendingOffset;
        this.#offset += 1;
        this.#line(line, lineOffset, out);
        return nl + 1;
      }
      case 'length': {
        const n = Math.min(8 - this.#pendingBytes, buf.length - pos);
        if (this.#pendingBytes === 0) this.#pendingOffset = this.#offset;
        this.#keep(buf.subarray(pos, pos + n));
        this.#offset += n;
        if (this.#pendingBytes < 8) return pos + n;
        const word = this.#take(Buffer.alloc(0));
        const length = word.readBigUInt64LE(0);
        if (length > BigInt(DATA_SIZE_MAX))
          throw parseError(
            `binary field ${state.name} has length ${length}, more than the maximum ${DATA_SIZE_MAX}`,
            this.#pendingOffset,
          );
        const value = Buffer.allocUnsafe(Number(length));
        this.#state =
          value.length === 0
            ? { kind: 'data-newline', name: state.name, value }
            : { kind: 'data', name: state.name, value, filled: 0 };
        return pos + n;
      }
      case 'data': {
        const n = Math.min(state.value.length - state.filled, buf.length - pos);
        buf.copy(state.value, state.filled, pos, pos + n);
        state.filled += n;
        this.#offset += n;
        if (state.filled === state.value.length)
          this.#state = { kind: 'data-newline', name: state.name, value: state.value };
        return pos + n;
      }
      case 'data-newline': {
        if (buf[pos] !== NEWLINE)
          throw parseError(
            `missing newline after ${state.value.length} bytes of binary field ${state.name} (found 0x${(buf[pos] ?? 0).toString(16).padStart(2, '0')})`,
            this.#offset,
          );
        this.#offset += 1;
        this.#add(state.name, state.value);
        this.#state = { kind: 'line' };
        return pos + 1;
      }
    }
  }

  #line(line: Buffer, lineOffset: number, out: JournalEntry[]): void {
    if (line.length === 0) {
      if (this.#fields.size === 0) return; // stray blank line between entries
      const entry = makeEntry(this.#fields);
      if (typeof entry === 'string') throw parseError(entry, this.#entryOffset);
      out.push(entry);
      this.#fields = new Map();
      return;
    }
    if (this.#fields.size === 0) this.#entryOffset = lineOffset;
    const eq = line.indexOf(0x3d);
    const nameBytes = eq === -1 ? line : line.subarray(0, eq);
    const name = nameBytes.toString('latin1');
    if (!isValidFieldName(name)) {
      const shown = JSON.stringify(nameBytes.subarray(0, 80).toString('latin1'));
      throw parseError(
        eq === -1
          ? `line ${shown} is neither FIELD=value nor a binary field name`
          : `invalid field name ${shown}`,
        lineOffset,
      );
    }
    if (eq === -1) {
      this.#state = { kind: 'length', name };
      return;
    }
    this.#add(name, line.subarray(eq + 1));
  }

  #add(name: string, value: Buffer): void {
    const values = this.#fields.get(name);
    if (values) values.push(value);
    else this.#fields.set(name, [value]);
  }

  #keep(part: Buffer): void {
    if (part.length === 0) return;
    this.#pending.push(part);
    this.#pendingBytes += part.length;
  }

  /** Returns pending bytes + `last` as one buffer and clears the pending list. */
  #take(last: Buffer): Buffer {
    let result: Buffer;
    if (this.#pending.length === 0) result = last;
    else if (last.length === 0 && this.#pending.length === 1) result = this.#pending[0] ?? last;
    else result = Buffer.concat([...this.#pending, last]);
    this.#pending = [];
    this.#pendingBytes = 0;
    return result;
  }
}

/** Parses a complete export document. Throws CoredumpError ERR_JOURNAL_EXPORT_PARSE on malformed input. */
export function parseExport(input: Buffer): JournalEntry[] {
  const parser = new ExportParser();
  const entries = parser.push(input);
  parser.end();
  return entries;
}

/** Parses an export stream incrementally, yielding each entry as soon as its terminating blank line arrives. */
export async function* parseExportStream(
  input: AsyncIterable<Buffer | Uint8Array>,
): AsyncGenerator<JournalEntry> {
  const parser = new ExportParser();
  for await (const chunk of input) yield* parser.push(chunk);
  parser.end();
}
