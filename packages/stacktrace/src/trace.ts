// The stack helper's JSON (schema version 1) and its validation. The helper
// parses memory the crashed program controlled; its output is checked field
// by field before anything formats or stores it.

/** One frame: addresses are 0x hex strings, because they exceed 2^53. */
export interface StackFrame {
  /** `0x%016x` */
  readonly pc: string;
  readonly function: string | null;
  /** The module's display name, as in systemd's text. */
  readonly module: string | null;
  /** pc - module start, `0x%x`; null when the pc is in no module. */
  readonly offset: string | null;
  readonly buildId: string | null;
}

export interface StackThread {
  readonly tid: number;
  readonly frames: readonly StackFrame[];
}

/** A .note.package payload (https://uapi-group.org/specifications/specs/package_metadata_for_executable_files/). */
export type PackageNote = Readonly<Record<string, unknown>>;

export interface StackModule {
  /** libdwfl's name, or for a path: the file's SONAME, else its basename; the path if the file is gone. */
  readonly name: string;
  /** The file libdwfl opened for it, null when none. */
  readonly path: string | null;
  readonly start: string;
  readonly end: string;
  readonly buildId: string | null;
  readonly package: PackageNote | null;
}

export interface StackTrace {
  readonly version: 1;
  /** dwelf_elf_e_machine_string() of the core's e_machine, e.g. "AMD x86-64". */
  readonly architecture: string | null;
  /** libdwfl's order, crashing thread first; at most 64 threads of at most 64 frames. */
  readonly threads: readonly StackThread[];
  /** dwfl_getmodules order. */
  readonly modules: readonly StackModule[];
  /** Something was left out to keep the output under 1 MiB. */
  readonly truncated: boolean;
}

/** Why there is no trace: one line. */
export interface StackError {
  readonly error: string;
}

export type StackResult = StackTrace | StackError;

export function isStackError(result: StackResult): result is StackError {
  return 'error' in result;
}

class InvalidTrace extends Error {}

const HEX = /^0x[0-9a-f]{1,16}$/;
const BUILD_ID = /^[0-9a-f]+$/;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function object(value: unknown, what: string): Json {
  if (!isObject(value)) throw new InvalidTrace(`${what} is not an object`);
  return value;
}

function array(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new InvalidTrace(`${what} is not an array`);
  return value;
}

function stringOrNull(value: unknown, what: string, pattern?: RegExp): string | null {
  if (value === null) return null;
  return string(value, what, pattern);
}

function string(value: unknown, what: string, pattern?: RegExp): string {
  if (typeof value !== 'string' || (pattern && !pattern.test(value))) {
    throw new InvalidTrace(`${what} is not ${pattern ? 'in the expected form' : 'a string'}`);
  }
  return value;
}

function frame(value: unknown, what: string): StackFrame {
  const f = object(value, what);
  return {
    pc: string(f['pc'], `${what}.pc`, HEX),
    function: stringOrNull(f['function'], `${what}.function`),
    module: stringOrNull(f['module'], `${what}.module`),
    offset: stringOrNull(f['offset'], `${what}.offset`, HEX),
    buildId: stringOrNull(f['buildId'], `${what}.buildId`, BUILD_ID),
  };
}

function thread(value: unknown, what: string): StackThread {
  const t = object(value, what);
  const tid = t['tid'];
  if (typeof tid !== 'number' || !Number.isSafeInteger(tid)) {
    throw new InvalidTrace(`${what}.tid is not an integer`);
  }
  return {
    tid,
    frames: array(t['frames'], `${what}.frames`).map((f, i) => frame(f, `${what}.frames[${i}]`)),
  };
}

function module(value: unknown, what: string): StackModule {
  const m = object(value, what);
  const note = m['package'];
  return {
    name: string(m['name'], `${what}.name`),
    path: stringOrNull(m['path'], `${what}.path`),
    start: string(m['start'], `${what}.start`, HEX),
    end: string(m['end'], `${what}.end`, HEX),
    buildId: stringOrNull(m['buildId'], `${what}.buildId`, BUILD_ID),
    package: note === null ? null : object(note, `${what}.package`),
  };
}

/** Validates parsed helper output; throws InvalidTrace with the first problem. */
function toTrace(value: unknown): StackTrace {
  const t = object(value, 'the output');
  if (t['version'] !== 1) throw new InvalidTrace('version is not 1');
  const truncated = t['truncated'];
  if (typeof truncated !== 'boolean') throw new InvalidTrace('truncated is not a boolean');
  return {
    version: 1,
    architecture: stringOrNull(t['architecture'], 'architecture'),
    threads: array(t['threads'], 'threads').map((x, i) => thread(x, `threads[${i}]`)),
    modules: array(t['modules'], 'modules').map((x, i) => module(x, `modules[${i}]`)),
    truncated,
  };
}

/**
 * The helper's stdout as a trace, or the reason there is none: its own
 * `{"version":1,"error":...}`, or what is wrong with the output.
 */
export function parseStackJson(text: string): StackResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: 'stack helper printed no valid JSON' };
  }
  if (isObject(value) && typeof value['error'] === 'string') {
    return { error: oneLine(value['error']) };
  }
  try {
    return toTrace(value);
  } catch (error) {
    if (error instanceof InvalidTrace) return { error: `stack helper output: ${error.message}` };
    throw error;
  }
}

/** Reasons are log lines: never more than one line. */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** The structured trace as compact JSON: what the COREDUMP_TS_STACKTRACE journal field holds. */
export function traceFieldValue(trace: StackTrace): string {
  const { version, architecture, threads, modules, truncated } = trace;
  return JSON.stringify({ version, architecture, threads, modules, truncated });
}
