#!/usr/bin/env bash
# Prepare a Debian 12 machine to run the test suite: the apt packages the
# tests use, and a running journald. Idempotent. Run as root; as anyone else
# it only reports what is missing.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

# systemd-coredump: systemd's own helper, worker and coredumpctl (interop tests)
# acl: getfacl/setfacl   elfutils: eu-stack   gcc, libc6-dev: crash fixtures
# zstd: the stock tool must read our files   gdb: coredumpctl debug
# g++, make, python3: node-gyp (packages/unix, packages/stacktrace, zstd-napi)
# libdw-dev: the stack helper's elfutils declarations are checked against its headers
# prometheus: a real server scrapes the exporter   libnss-extrausers: a non-files NSS source
PACKAGES=(systemd systemd-coredump acl elfutils gcc libc6-dev zstd gdb g++ make python3 util-linux libdw-dev prometheus libnss-extrausers)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$pkg")
  fi
done

is_root() { [[ $(id -u) -eq 0 ]]; }

if ((${#missing[@]})); then
  if ! is_root; then
    echo "test-prepare: not root; missing packages: ${missing[*]}" >&2
  else
    echo "test-prepare: installing ${missing[*]}"
    # systemd-coredump's postinst applies its sysctl.d file, rewriting
    # core_pattern and friends: put back what was there before. Hold the
    # tests' kernel-settings lock meanwhile, so a test running elsewhere on
    # this machine is not disturbed.
    # shellcheck source=scripts/lib/kernel-lock.sh
    source "$(dirname "${BASH_SOURCE[0]}")/lib/kernel-lock.sh"
    kernel_lock_acquire || echo "test-prepare: kernel-settings lock busy; going on without it" >&2
    kernel_settings_save
    restore_kernel() {
      kernel_settings_restore test-prepare
      kernel_lock_release
    }
    trap restore_kernel EXIT
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
    restore_kernel
    trap - EXIT
  fi
else
  echo "test-prepare: packages present"
fi

# journald, started by hand when PID 1 is not systemd. It keeps running afterwards.
JOURNAL_SOCKET=/run/systemd/journal/socket
JOURNALD=/lib/systemd/systemd-journald
# Bound, not only present: a socket file whose journald is gone (or was replaced by
# a second journald's, now gone) takes nothing.
journal_bound() { grep -q " $JOURNAL_SOCKET\$" /proc/net/unix; }
if journal_bound && pgrep -x systemd-journal >/dev/null; then
  echo "test-prepare: journald running"
elif pgrep -x systemd-journal >/dev/null; then
  echo "test-prepare: systemd-journald is running (pid $(pgrep -x systemd-journal | tr '\n' ' ')) but nothing serves $JOURNAL_SOCKET; restart it" >&2
  exit 1
elif ! is_root; then
  echo "test-prepare: not root; journald is not running ($JOURNAL_SOCKET absent)" >&2
else
  # journald refuses to start without a machine id.
  if [[ ! -s /etc/machine-id ]]; then systemd-machine-id-setup; fi
  echo "test-prepare: starting $JOURNALD"
  setsid "$JOURNALD" </dev/null >/dev/null 2>&1 &
  for _ in $(seq 100); do
    journal_bound && pgrep -x systemd-journal >/dev/null && break
    sleep 0.1
  done
  if ! journal_bound; then
    echo "test-prepare: journald did not create $JOURNAL_SOCKET" >&2
    exit 1
  fi
  echo "test-prepare: journald started (pid $!)"
fi
