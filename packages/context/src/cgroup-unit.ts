/**
 * Unit, user unit, session, owner UID and slice from a cgroup path (spec §4.1), following
 * systemd's cgroup-util rules: leading slices are skipped, the next component must be a
 * valid unit name; `_` escapes are removed; user units sit under user@UID.service or a
 * session-N.scope.
 */

const UNIT_TYPES = new Set([
  'service',
  'socket',
  'target',
  'device',
  'mount',
  'automount',
  'swap',
  'timer',
  'path',
  'slice',
  'scope',
]);
const UNIT_NAME_MAX = 255;
const PREFIX_CHARS = /^[A-Za-z0-9:_.\\-]+$/;
const INSTANCE_CHARS = /^[A-Za-z0-9:_.\\@-]+$/;

/** unit_name_is_valid(name, UNIT_NAME_PLAIN | [UNIT_NAME_INSTANCE]). */
export const isValidUnitName = (name: string, allowInstance = true): boolean => {
  if (name.length === 0 || name.length > UNIT_NAME_MAX) return false;
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || !UNIT_TYPES.has(name.slice(dot + 1))) return false;
  const stem = name.slice(0, dot);
  const at = stem.indexOf('@');
  if (at < 0) return PREFIX_CHARS.test(stem);
  if (!allowInstance || at === 0) return false;
  const instance = stem.slice(at + 1);
  return PREFIX_CHARS.test(stem.slice(0, at)) && INSTANCE_CHARS.test(instance);
};

/** cg_unescape: a leading `_` marks an escaped component. */
const unescape = (component: string): string =>
  component.startsWith('_') ? component.slice(1) : component;

const components = (path: string): string[] => path.split('/').filter((c) => c.length > 0);

const isSliceComponent = (c: string): boolean =>
  c.length >= 'x.slice'.length && c.endsWith('.slice') && isValidUnitName(unescape(c), false);

/** cg_path_decode_unit on the first component. */
const decodeUnit = (c: string | undefined): string | undefined => {
  if (c === undefined || c.length < 3) return undefined;
  const name = unescape(c);
  return isValidUnitName(name) ? name : undefined;
};

/** cg_path_get_unit: first component after the leading slices, never a slice itself. */
const unitOf = (parts: readonly string[]): string | undefined => {
  let i = 0;
  while (i < parts.length && isSliceComponent(parts[i] ?? '')) i++;
  const unit = decodeUnit(parts[i]);
  return unit === undefined || unit.endsWith('.slice') ? undefined : unit;
};

const isUid = (s: string): boolean => {
  if (!/^[0-9]+$/.test(s)) return false;
  const n = Number(s);
  return n <= 0xfffffffe && n !== 0xffff;
};

const isSessionId = (s: string): boolean => /^[A-Za-z0-9]+$/.test(s);

/** skip_user_prefix: the path inside user@UID.service or session-N.scope, if any. */
const userPart = (parts: readonly string[]): string[] | undefined => {
  let i = 0;
  while (i < parts.length && isSliceComponent(parts[i] ?? '')) i++;
  const c = parts[i];
  if (c === undefined) return undefined;
  const manager = /^user@(.+)\.service$/.exec(c);
  if (manager?.[1] !== undefined && isUid(manager[1])) return parts.slice(i + 1);
  const session = /^session-(.+)\.scope$/.exec(c);
  if (session?.[1] !== undefined && isSessionId(session[1])) return parts.slice(i + 1);
  return undefined;
};

export interface CgroupUnits {
  readonly unit?: string;
  readonly userUnit?: string;
  readonly session?: string;
  readonly ownerUid?: string;
  readonly slice: string;
}

/** Derives the unit fields from a (shifted) cgroup path such as `/user.slice/...`. */
export const unitsFromCgroupPath = (path: string): CgroupUnits => {
  const parts = components(path);
  const unit = unitOf(parts);
  const user = userPart(parts);
  const userUnit = user === undefined ? undefined : unitOf(user);
  const sessionMatch = unit === undefined ? null : /^session-(.+)\.scope$/.exec(unit);
  const session =
    sessionMatch?.[1] !== undefined && isSessionId(sessionMatch[1]) ? sessionMatch[1] : undefined;
  let slice = '-.slice';
  for (const c of parts) {
    if (!isSliceComponent(c)) break;
    slice = unescape(c);
  }
  const owner = /^user-(.+)\.slice$/.exec(slice);
  const ownerUid = owner?.[1] !== undefined && isUid(owner[1]) ? owner[1] : undefined;
  return {
    ...(unit !== undefined && { unit }),
    ...(userUnit !== undefined && { userUnit }),
    ...(session !== undefined && { session }),
    ...(ownerUid !== undefined && { ownerUid }),
    slice,
  };
};

/**
 * The systemd hierarchy's path from /proc/<pid>/cgroup text: the `name=systemd` line on
 * legacy/hybrid hosts, else the unified `0::` line.
 */
export const cgroupPathFromProc = (text: string): string | undefined => {
  let unified: string | undefined;
  for (const line of text.split('\n')) {
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    const controllers = line.slice(first + 1, second);
    const path = line.slice(second + 1);
    if (controllers.split(',').includes('name=systemd')) return path;
    if (line.startsWith('0::')) unified = path;
  }
  return unified;
};

/**
 * cg_shift_path with cg_get_root_path: PID 1's cgroup, minus a trailing `/init.scope`
 * (or legacy `/system.slice`, `/system`), is the root that crashing paths are shown under.
 */
export const shiftCgroupPath = (path: string, pid1Path: string | undefined): string => {
  if (pid1Path === undefined) return path;
  let root = pid1Path;
  for (const suffix of ['/init.scope', '/system.slice', '/system']) {
    if (root.endsWith(suffix)) {
      root = root.slice(0, -suffix.length);
      break;
    }
  }
  if (root === '' || root === '/') return path;
  if (path === root) return '/';
  return path.startsWith(`${root}/`) ? path.slice(root.length) : path;
};
