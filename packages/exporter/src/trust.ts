// Which coredump entries a counter may trust (issue 18 item 5, ABRT's
// journal-spoofing lesson): anyone can log MESSAGE_ID=fc2e22bc... with
// logger(1) or systemd-cat, but only journald writes the `_`-prefixed
// fields, from the sender's credentials and cgroup. An entry counts when
// journald saw it come from a coredump worker:
// - its unit is systemd-coredump@<instance>.service or systemd-coredumpd.service
//   (the cgroup: an unprivileged process cannot move itself there), or
// - it came from root or the systemd-coredump user (the worker before and
//   after its privilege drop for system uids; the in-process handler path).
// Without systemd as PID 1 (`coredump-ts collect`), a worker's entry for an
// ordinary user's crash is sent after dropping to that user and has neither
// mark: such entries are not counted there (docs/metrics.md says so).

export interface TrustedFields {
  readonly uid: string | undefined;
  readonly systemdUnit: string | undefined;
}

export interface TrustPolicy {
  /** The systemd-coredump user's uid, when the user exists. */
  readonly coredumpUid: number | undefined;
}

const WORKER_UNIT = /^systemd-coredump@.+\.service$/;

export function isTrustedEntry(f: TrustedFields, policy: TrustPolicy): boolean {
  const unit = f.systemdUnit;
  if (unit !== undefined && (WORKER_UNIT.test(unit) || unit === 'systemd-coredumpd.service')) {
    return true;
  }
  if (f.uid === undefined || !/^[0-9]+$/.test(f.uid)) return false;
  const uid = Number(f.uid);
  return uid === 0 || (policy.coredumpUid !== undefined && uid === policy.coredumpUid);
}
