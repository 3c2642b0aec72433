// `coredump-ts uninstall`: the reverse of install. Removes only what is ours
// (shipped files still carrying our header, an unedited coredump.conf, the
// paths install recorded in its manifest) and puts the recorded kernel
// settings back if core_pattern is still ours.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { DEFAULT_PATHS } from '@coredump-ts/pipeline';
import {
  isSymlink,
  readIfExists,
  removeDirIfEmpty,
  removeEmptyDirs,
  removeIfExists,
} from './file-ops.js';
import { type Host, requireRoot, runChecked } from './host.js';
import { SOCKET_UNIT, installedText, isOurCorePattern, readManifest } from './install.js';
import type { StepReport } from './report.js';
import { parseSysctl, readKernelSettings, writeKernelSettings } from './kernel-settings.js';
import { uninstallSocketMode } from './install-socket.js';
import {
  ENTRY_MARK,
  INSTALL_FILES,
  LEGACY_LINKS,
  LIB_DIR,
  STATE_FILE,
  underRoot,
} from './layout.js';

const OUR_HEADER = '# coredump-ts:';
const VENDOR_SOCKETS = [
  '/lib/systemd/system/systemd-coredump.socket',
  '/usr/lib/systemd/system/systemd-coredump.socket',
];

export function uninstall(host: Host): StepReport {
  requireRoot(host, 'uninstall');
  const report: StepReport = { done: [], unchanged: [], todo: [] };
  uninstallSocketMode(host, report);
  const socketPath = underRoot(host.root, '/etc/systemd/system/systemd-coredump.socket');
  const ourSocket = readIfExists(socketPath)?.startsWith(OUR_HEADER) === true;
  if (host.systemdHost && ourSocket) {
    runChecked(host, 'systemctl', ['disable', '--now', SOCKET_UNIT]);
    report.done.push(`systemctl disable --now ${SOCKET_UNIT}`);
  }

  let unitsRemoved = false;
  for (const file of INSTALL_FILES) {
    const target = underRoot(host.root, file.target);
    const text = readIfExists(target);
    if (text === undefined) continue;
    const ours =
      file.policy === 'keep'
        ? text === installedText(host, file.source)
        : text.startsWith(OUR_HEADER);
    if (!ours) {
      report.unchanged.push(
        `${file.target} ${file.policy === 'keep' ? 'edited by the operator' : 'not ours'}: left in place`,
      );
      continue;
    }
    removeIfExists(target);
    report.done.push(`removed ${file.target}`);
    if (file.target.startsWith('/etc/systemd/system/')) unitsRemoved = true;
  }

  removeBuild(host, report);
  removeDebuginfoCache(host, report);

  if (host.applyKernel) restoreKernel(host, report);
  else if (existsSync(underRoot(host.root, STATE_FILE))) {
    report.todo.push(
      `kernel settings not touched; the values before install are in ${STATE_FILE}: apply them with sysctl -p ${STATE_FILE}`,
    );
  }

  if (host.systemdHost && unitsRemoved) {
    runChecked(host, 'systemctl', ['daemon-reload']);
    report.done.push('systemctl daemon-reload');
    if (VENDOR_SOCKETS.some((p) => existsSync(p))) {
      runChecked(host, 'systemctl', ['start', SOCKET_UNIT]);
      report.done.push(`systemctl start ${SOCKET_UNIT} (the vendor unit again)`);
    }
  }
  return report;
}

/**
 * The worker's cache of decompressed debug files (DebugInfoCacheMaxUse=): ours alone,
 * made at run time, and of no use without us. Its parent too when nothing else is there.
 */
function removeDebuginfoCache(host: Host, report: StepReport): void {
  const cache = underRoot(host.root, DEFAULT_PATHS.debuginfoCacheDir);
  if (!existsSync(cache)) return;
  rmSync(cache, { recursive: true, force: true });
  removeDirIfEmpty(dirname(cache));
  report.done.push(`removed the debuginfo cache ${DEFAULT_PATHS.debuginfoCacheDir}`);
}

/** Exactly what install recorded: the files in LIB_DIR and our links elsewhere. */
function removeBuild(host: Host, report: StepReport): void {
  // Read before anything goes: the handler an installed uninstall runs from is in there.
  const manifest = readManifest(host.root);
  let files = 0;
  for (const path of manifest) {
    const full = underRoot(host.root, path);
    if (path.startsWith(`${LIB_DIR}/`)) {
      if (removeIfExists(full)) files += 1;
    } else if (isSymlink(full) && removeIfExists(full)) {
      report.done.push(`removed link ${path}`);
    }
  }
  if (files > 0) report.done.push(`removed the build from ${LIB_DIR} (${files} files)`);
  for (const legacy of LEGACY_LINKS) {
    const full = underRoot(host.root, legacy);
    if (isSymlink(full) && removeIfExists(full)) report.done.push(`removed link ${legacy}`);
    else if (isOurEntry(full) && removeIfExists(full)) report.done.push(`removed ${legacy}`);
  }
  removeEmptyDirs(underRoot(host.root, LIB_DIR));
}

function isOurEntry(path: string): boolean {
  try {
    return readFileSync(path, 'utf8').split('\n', 2).includes(ENTRY_MARK);
  } catch {
    return false;
  }
}

function restoreKernel(host: Host, report: StepReport): void {
  const stateFile = underRoot(host.root, STATE_FILE);
  const state = readIfExists(stateFile);
  if (state === undefined) {
    report.unchanged.push(`no ${STATE_FILE}: kernel settings left as they are`);
    return;
  }
  const live = readKernelSettings(host.procSys);
  if (isOurCorePattern(live.corePattern)) {
    const changed = writeKernelSettings(host.procSys, parseSysctl(state));
    report.done.push(
      `restored ${changed.length > 0 ? changed.join(', ') : 'kernel settings'} from ${STATE_FILE}`,
    );
  } else {
    report.unchanged.push(`kernel.core_pattern no longer ours (${live.corePattern}): left alone`);
  }
  removeIfExists(stateFile);
  removeDirIfEmpty(dirname(stateFile));
  report.done.push(`removed ${STATE_FILE}`);
}
