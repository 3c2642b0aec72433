# shellcheck shell=bash
# The machine-global crash settings from bash, under the same cross-process
# lock as packages/testkit/src/machine-lock.ts (a directory holding the holder's
# pid; a dead holder's lock is taken over). Sourced by scripts/test.sh and
# scripts/test-prepare.sh.

KERNEL_LOCK_DIR=/run/coredump-ts-test.kernel.lock
KERNEL_FILES=(/proc/sys/kernel/core_pattern /proc/sys/kernel/core_pipe_limit /proc/sys/fs/suid_dumpable)
KERNEL_SAVED=()

# Wait up to 10 minutes for the lock. Returns non-zero if it never came.
kernel_lock_acquire() {
  local holder
  for _ in $(seq 6000); do
    if mkdir "$KERNEL_LOCK_DIR" 2>/dev/null; then
      echo $$ >"$KERNEL_LOCK_DIR/pid"
      return 0
    fi
    holder=$(cat "$KERNEL_LOCK_DIR/pid" 2>/dev/null || true)
    if [[ -n $holder ]] && ! kill -0 "$holder" 2>/dev/null; then rm -rf "$KERNEL_LOCK_DIR"; fi
    # No pid after 5 s: its holder died between mkdir and writing the pid.
    if [[ -z $holder ]] && (($(date +%s) - $(stat -c %Y "$KERNEL_LOCK_DIR" 2>/dev/null || date +%s) > 5)); then
      rm -rf "$KERNEL_LOCK_DIR"
    fi
    sleep 0.1
  done
  return 1
}

kernel_lock_release() {
  if [[ $(cat "$KERNEL_LOCK_DIR/pid" 2>/dev/null) == "$$" ]]; then rm -rf "$KERNEL_LOCK_DIR"; fi
}

# Prints the pid of a live holder other than us; fails when there is none.
kernel_lock_other_holder() {
  local holder
  holder=$(cat "$KERNEL_LOCK_DIR/pid" 2>/dev/null || true)
  [[ -n $holder && $holder != "$$" ]] && kill -0 "$holder" 2>/dev/null && echo "$holder"
}

kernel_settings_save() {
  KERNEL_SAVED=()
  local f
  for f in "${KERNEL_FILES[@]}"; do KERNEL_SAVED+=("$(cat "$f")"); done
}

# Write back what differs from the saved values, logging each with prefix $1.
# suid_dumpable goes first: the kernel warns while it is 2 and core_pattern is
# neither a pipe nor an absolute path.
kernel_settings_restore() {
  local who=$1 i
  for i in 2 1 0; do
    if [[ $(cat "${KERNEL_FILES[$i]}") != "${KERNEL_SAVED[$i]}" ]]; then
      echo "$who: restoring ${KERNEL_FILES[$i]}" >&2
      printf '%s\n' "${KERNEL_SAVED[$i]}" >"${KERNEL_FILES[$i]}" || true
    fi
  done
}
