// install/uninstall of socket mode (--mode=socket, or auto where coredumpd
// --check-requirements passes): systemd-coredumpd.service and
// systemd-coredump-register.service next to the pipe path's files, which stay
// installed: 50-coredump.conf's pipe pattern is what the register unit puts
// back when the manager stops.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { readIfExists, removeIfExists, writeFileIfChanged } from './file-ops.js';
import { type Host, runChecked } from './host.js';
import type { StepReport } from './report.js';
import { renderFile, underRoot } from './layout.js';
import { renderManagerUnit } from './mode.js';

export const MANAGER_UNIT = 'systemd-coredumpd.service';

const UNIT_DIR = '/etc/systemd/system';
const OUR_HEADER = '# coredump-ts:';
export const SOCKET_MODE_UNITS: readonly string[] = [
  'units/systemd-coredumpd.service',
  'units/systemd-coredump-register.service',
];

const targetOf = (source: string): string => `${UNIT_DIR}/${source.slice('units/'.length)}`;

export function socketModeUnitText(host: Host, source: string): string {
  const text = renderFile(source, readFileSync(join(host.appDir, source), 'utf8'), {
    nodePath: host.nodePath,
    systemdVersion: host.systemdVersion,
  });
  return source.endsWith('/systemd-coredumpd.service')
    ? renderManagerUnit(text, host.systemdVersion)
    : text;
}

export function installSocketMode(host: Host, report: StepReport): void {
  let changed = false;
  for (const source of SOCKET_MODE_UNITS) {
    const target = targetOf(source);
    const result = writeFileIfChanged(
      underRoot(host.root, target),
      socketModeUnitText(host, source),
    );
    if (result === 'unchanged') report.unchanged.push(`${target} up to date`);
    else {
      report.done.push(`${result} ${target}`);
      changed = true;
    }
  }
  if (!host.systemdHost) {
    report.todo.push(
      `socket mode: systemctl daemon-reload && systemctl enable --now ${MANAGER_UNIT}`,
    );
    return;
  }
  if (changed) runChecked(host, 'systemctl', ['daemon-reload']);
  // Upholds= starts systemd-coredump-register.service, which sets core_pattern @@.
  runChecked(host, 'systemctl', ['enable', '--now', MANAGER_UNIT]);
  report.done.push(`systemctl enable --now ${MANAGER_UNIT}`);
}

/**
 * First step of uninstall: stopping the manager stops the register unit before
 * it (ordering), which puts the pipe pattern back; only then are files removed.
 */
export function uninstallSocketMode(host: Host, report: StepReport): void {
  const ours = SOCKET_MODE_UNITS.filter((source) =>
    readIfExists(underRoot(host.root, targetOf(source)))?.startsWith(OUR_HEADER),
  );
  if (ours.length === 0) return;
  if (host.systemdHost) {
    runChecked(host, 'systemctl', ['disable', '--now', MANAGER_UNIT]);
    report.done.push(
      `systemctl disable --now ${MANAGER_UNIT} (core_pattern back to the pipe first)`,
    );
  }
  for (const source of ours) {
    removeIfExists(underRoot(host.root, targetOf(source)));
    report.done.push(`removed ${targetOf(source)}`);
  }
}
