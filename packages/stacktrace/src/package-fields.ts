// COREDUMP_PACKAGE_JSON / _NAME / _VERSION from a trace, as systemd 252 sets
// them (spec §8.3): each module's .note.package merged with its build-id,
// under the module's name, after elfType and elfArchitecture.
import type { StackModule, StackTrace } from './trace.js';

/** Ordered JSON object members: systemd keeps insertion order, and so must we. */
export type JsonMembers = readonly (readonly [string, unknown])[];

/**
 * systemd's json_variant_merge(): the members of `a` whose key `b` lacks,
 * in order, then all of `b`'s.
 */
export function mergeMembers(a: JsonMembers, b: JsonMembers): JsonMembers {
  const keys = new Set(b.map(([key]) => key));
  return [...a.filter(([key]) => !keys.has(key)), ...b];
}

/** A module's package note with `{"buildId": ...}` merged in; undefined when it has no note. */
export function moduleMetadata(module: StackModule): JsonMembers | undefined {
  if (module.package === null) return undefined;
  const id: JsonMembers = module.buildId === null ? [] : [['buildId', module.buildId]];
  return mergeMembers(Object.entries(module.package), id);
}

/** The first module of each name that has a note, with its metadata: systemd visits each name once. */
export function packageModules(trace: StackTrace): [name: string, metadata: JsonMembers][] {
  const seen = new Set<string>();
  const result: [string, JsonMembers][] = [];
  for (const module of trace.modules) {
    const metadata = moduleMetadata(module);
    if (metadata === undefined || seen.has(module.name)) continue;
    seen.add(module.name);
    result.push([module.name, metadata]);
  }
  return result;
}

/** A module's metadata as a member of the top-level object: printed with its own order. */
class Members {
  constructor(readonly list: JsonMembers) {}
}

/** Compact JSON, members in the given order (JSON.stringify escapes strings as systemd does). */
function formatMembers(list: JsonMembers): string {
  const parts = list.map(([key, value]) => {
    const text = value instanceof Members ? formatMembers(value.list) : JSON.stringify(value);
    return `${JSON.stringify(key)}:${text}`;
  });
  return `{${parts.join(',')}}`;
}

/** The basename systemd's path_extract_filename() gives, undefined where it fails. */
function filename(path: string): string | undefined {
  const name = path.replace(/\/+$/, '').split('/').pop();
  if (name === undefined || name === '' || name === '.' || name === '..' || name.length > 255) {
    return undefined;
  }
  return name;
}

export type PackageFieldName =
  'COREDUMP_PACKAGE_JSON' | 'COREDUMP_PACKAGE_NAME' | 'COREDUMP_PACKAGE_VERSION';

export interface PackageField {
  readonly name: PackageFieldName;
  readonly value: string;
}

/**
 * The package fields of a crash, in systemd's order: COREDUMP_PACKAGE_JSON
 * (always, with at least elfType), then COREDUMP_PACKAGE_NAME and _VERSION
 * from each module whose name has the basename of `exe` (COREDUMP_EXE), when
 * its note has them as strings.
 */
export function packageFields(trace: StackTrace, exe: string | undefined): PackageField[] {
  let top: JsonMembers = [['elfType', 'coredump']];
  if (trace.architecture !== null) {
    top = mergeMembers(top, [['elfArchitecture', trace.architecture]]);
  }
  for (const [name, metadata] of packageModules(trace)) {
    top = mergeMembers(top, [[name, new Members(metadata)]]);
  }
  const fields: PackageField[] = [{ name: 'COREDUMP_PACKAGE_JSON', value: formatMembers(top) }];
  const exeName = exe === undefined ? undefined : filename(exe);
  if (exeName === undefined) return fields;
  for (const [name, value] of top) {
    if (!(value instanceof Members) || filename(name) !== exeName) continue;
    const note = new Map(value.list);
    const packageName = note.get('name');
    const packageVersion = note.get('version');
    if (typeof packageName === 'string') {
      fields.push({ name: 'COREDUMP_PACKAGE_NAME', value: packageName });
    }
    if (typeof packageVersion === 'string') {
      fields.push({ name: 'COREDUMP_PACKAGE_VERSION', value: packageVersion });
    }
  }
  return fields;
}
