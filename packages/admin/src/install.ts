// `coredump-ts install`: shipped files into <root>/etc, entry-point links into
// <root>/usr/lib/coredump-ts, the previous sysctls into a state file; on a
// systemd host also sysusers, tmpfiles, daemon-reload, the socket and sysctl.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { linkIfChanged, readIfExists, writeFileIfChanged } from './file-ops.js';
import { type Host, requireRoot, runChecked } from './host.js';
import {
  formatSysctl,
  parseSysctl,
  readKernelSettings,
  writeKernelSettings,
} from './kernel-settings.js';
import {
  INSTALL_FILES,
  LIB_DIR,
  STATE_FILE,
  installLinks,
  renderFile,
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

  for (const link of installLinks(host.appDir)) {
    const result = linkIfChanged(underRoot(host.root, link.target), link.pointsTo);
    if (result === 'unchanged') report.unchanged.push(`${link.target} -> ${link.pointsTo}`);
    else report.done.push(`${result} link ${link.target} -> ${link.pointsTo}`);
  }

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
    `${LIB_DIR}/app links to ${host.appDir}: keep that checkout (and its build) in place.`,
  ];
}
