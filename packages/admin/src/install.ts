// `coredump-ts install`: shipped files into <root>/etc, a self-contained copy
// of the build into <root>/usr/lib/coredump-ts, the commands into <root>/usr/bin,
// the previous sysctls into a state file; on a systemd host also sysusers,
// tmpfiles, daemon-reload, the socket and sysctl.
import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import {
  copyFileIfChanged,
  isSymlink,
  linkIfChanged,
  readIfExists,
  removeEmptyDirs,
  removeIfExists,
  writeFileIfChanged,
} from './file-ops.js';
import { AdminError } from './errors.js';
import { type Host, requireRoot, runChecked } from './host.js';
import {
  formatSysctl,
  parseSysctl,
  readKernelSettings,
  writeKernelSettings,
} from './kernel-settings.js';
import {
  INSTALL_FILES,
  LEGACY_LINKS,
  LIB_DIR,
  MANIFEST_FILE,
  STATE_FILE,
  SYSTEM_LINKS,
  buildTree,
  renderFile,
  systemLink,
  underRoot,
} from './layout.js';
import { installSocketMode } from './install-socket.js';
import type { StepReport } from './report.js';
import { type Mode, coredumpdBin, resolveMode, socketModeUsable } from './mode.js';

export const SOCKET_UNIT = 'systemd-coredump.socket';

export function isOurCorePattern(pattern: string): boolean {
  return (
    pattern.includes('/coredump-ts/handler.js') ||
    /\/packages\/handler\/dist\/main\.c?js\b/.test(pattern)
  );
}

export function installedText(host: Host, source: string): string {
  return renderFile(source, readFileSync(join(host.appDir, source), 'utf8'), {
    nodePath: host.nodePath,
    systemdVersion: host.systemdVersion,
  });
}

/** `mode` 'pipe' (the default here) installs the pipe path only; see mode.ts. */
export function install(host: Host, mode: Mode = 'pipe'): StepReport {
  requireRoot(host, 'install');
  const report: StepReport = { done: [], unchanged: [], todo: [] };
  let unitsChanged = false;

  for (const file of INSTALL_FILES) {
    const target = underRoot(host.root, file.target);
    const text = installedText(host, file.source);
    if (file.policy === 'keep' && readIfExists(target) !== undefined) {
      report.unchanged.push(`${file.target} exists: kept (never overwritten; use drop-ins)`);
      continue;
    }
    const result = writeFileIfChanged(target, text);
    if (result === 'unchanged') report.unchanged.push(`${file.target} up to date`);
    else {
      report.done.push(`${result} ${file.target}`);
      if (file.target.startsWith('/etc/systemd/system/')) unitsChanged = true;
    }
  }

  installBuild(host, report);

  if (host.applyKernel) applyKernel(host, report);
  if (host.systemdHost) activate(host, report, unitsChanged);
  else report.todo.push(...pendingSteps(host));
  const choice = resolveMode(mode, () => socketModeUsable(host, coredumpdBin(host.appDir)));
  if (choice.mode === 'socket') installSocketMode(host, report);
  return report;
}

function applyKernel(host: Host, report: StepReport): void {
  const stateFile = underRoot(host.root, STATE_FILE);
  if (readIfExists(stateFile) === undefined) {
    const live = readKernelSettings(host.procSys);
    // Never record our own pattern as "previous": uninstall would keep it.
    const previous = isOurCorePattern(live.corePattern) ? { ...live, corePattern: 'core' } : live;
    writeFileIfChanged(
      stateFile,
      `# written by coredump-ts install; read by uninstall\n${formatSysctl(previous)}`,
    );
    report.done.push(`recorded the previous kernel settings in ${STATE_FILE}`);
  } else {
    report.unchanged.push(`${STATE_FILE} kept (recorded by the first install)`);
  }
  const wanted = parseSysctl(installedText(host, 'units/sysctl.d/50-coredump.conf'));
  const changed = writeKernelSettings(host.procSys, wanted);
  if (changed.length > 0)
    report.done.push(`set ${changed.join(', ')} (kernel.core_pattern=${wanted.corePattern ?? ''})`);
  else report.unchanged.push('kernel settings already ours');
}

function activate(host: Host, report: StepReport, unitsChanged: boolean): void {
  runChecked(host, 'systemd-sysusers', ['/etc/sysusers.d/systemd-coredump.conf']);
  runChecked(host, 'systemd-tmpfiles', ['--create', '/etc/tmpfiles.d/coredump-ts.conf']);
  const active = host.run('systemctl', ['is-active', '--quiet', SOCKET_UNIT]).status === 0;
  const enabled = host.run('systemctl', ['is-enabled', '--quiet', SOCKET_UNIT]).status === 0;
  if (unitsChanged) {
    runChecked(host, 'systemctl', ['daemon-reload']);
    report.done.push('systemctl daemon-reload');
  }
  if (!enabled) {
    runChecked(host, 'systemctl', ['enable', SOCKET_UNIT]);
    report.done.push(`systemctl enable ${SOCKET_UNIT}`);
  }
  if (!active || unitsChanged) {
    runChecked(host, 'systemctl', [active ? 'restart' : 'start', SOCKET_UNIT]);
    report.done.push(`systemctl ${active ? 'restart' : 'start'} ${SOCKET_UNIT}`);
  } else {
    report.unchanged.push(`${SOCKET_UNIT} enabled and listening`);
  }
}

function pendingSteps(host: Host): string[] {
  const where =
    host.root === '/' ? 'this machine has no systemd as PID 1' : `staged into ${host.root}`;
  return [
    `${where}: nothing was started and the kernel settings were not changed.`,
    ...(host.root === '/' ? ['To capture crashes here now, run: coredump-ts collect'] : []),
    'On a systemd machine, finish with:',
    '  systemd-sysusers /etc/sysusers.d/systemd-coredump.conf',
    '  systemd-tmpfiles --create /etc/tmpfiles.d/coredump-ts.conf',
    `  systemctl daemon-reload && systemctl enable --now ${SOCKET_UNIT}`,
    '  sysctl -p /etc/sysctl.d/50-coredump.conf',
  ];
}

/** The paths a previous install recorded (absolute, as on the target). */
export function readManifest(root: string): string[] {
  return (readIfExists(underRoot(root, MANIFEST_FILE)) ?? '')
    .split('\n')
    .filter((line) => line.startsWith('/'));
}

/**
 * Copy the build into libDir (a self-contained tree: the checkout can go
 * away afterwards). Returns the paths written, relative to libDir, and how
 * many changed. Also what the tests use to give an unprivileged user a copy
 * they can read.
 */
export function stageBuild(
  appDir: string,
  libDir: string,
  nodePath: string,
): { written: string[]; changed: number } {
  const tree = buildTree(appDir, nodePath);
  if ('missing' in tree) {
    throw new AdminError(
      'ERR_NOT_BUILT',
      `the build is incomplete (${join(appDir, tree.missing)} is missing): run npm run build`,
    );
  }
  let changed = 0;
  for (const file of tree.files) {
    const target = join(libDir, file.target);
    const result =
      file.source === undefined
        ? writeFileIfChanged(target, file.text ?? '', file.mode)
        : copyFileIfChanged(file.source, target, file.mode);
    if (result !== 'unchanged') changed += 1;
  }
  return { written: tree.files.map((f) => f.target), changed };
}

/** The points at which an existing path is ours: our link, or nothing there. */
function freeOrOurs(path: string, pointsTo: string): boolean {
  try {
    lstatSync(path);
  } catch {
    return true;
  }
  return isSymlink(path) && readlinkSync(path) === pointsTo;
}

function installBuild(host: Host, report: StepReport): void {
  const libDir = underRoot(host.root, LIB_DIR);
  // An install before the copy linked the checkout: those links go first.
  for (const legacy of LEGACY_LINKS) {
    const path = underRoot(host.root, legacy);
    if (isSymlink(path) && removeIfExists(path))
      report.done.push(`removed link ${legacy} (the build is copied now)`);
  }
  const previous = readManifest(host.root);
  const { written, changed } = stageBuild(host.appDir, libDir, host.nodePath);
  const owned = written.map((rel) => `${LIB_DIR}/${rel}`);
  if (changed > 0)
    report.done.push(`copied the build into ${LIB_DIR} (${changed} of ${written.length} files)`);
  else report.unchanged.push(`${LIB_DIR} up to date (${written.length} files)`);

  for (const link of SYSTEM_LINKS) {
    if (!written.includes(link.source)) continue;
    const { target, pointsTo } = systemLink(link);
    const path = underRoot(host.root, target);
    if (!freeOrOurs(path, pointsTo)) {
      report.todo.push(`${target} exists and is not ours: left alone`);
      continue;
    }
    const result = linkIfChanged(path, pointsTo);
    owned.push(target);
    if (result === 'unchanged') report.unchanged.push(`${target} -> ${pointsTo}`);
    else report.done.push(`${result} link ${target} -> ${pointsTo}`);
  }

  // Whatever the previous install had that this build no longer has.
  const stale = previous.filter((p) => !owned.includes(p) && p !== MANIFEST_FILE);
  for (const path of stale) {
    const full = underRoot(host.root, path);
    if (path.startsWith(`${LIB_DIR}/`) || isSymlink(full)) removeIfExists(full);
  }
  if (stale.length > 0) {
    removeEmptyDirs(libDir);
    report.done.push(`removed ${stale.length} file(s) the new build no longer has`);
  }
  writeFileIfChanged(
    underRoot(host.root, MANIFEST_FILE),
    `${[...owned, MANIFEST_FILE].join('\n')}\n`,
  );
}
