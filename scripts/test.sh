#!/usr/bin/env bash
# The whole test suite, as `npm test` runs it (README: `npm ci && npm test`, as
# root on Debian 12). Prepares the machine, builds, typechecks, lints, runs the
# unit then the integration tests, and ends with the line CI reads:
#   tests: N passed, N failed, N skipped
# A failed build, typecheck or lint counts as one failed test each, and so
# does the live-journal check at the end (scripts/lib/live-journal.sh): no new
# malformed coredump entries in the machine's journal, and systemd's own
# coredumpctl still lists.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export npm_config_nodedir=/usr

bash scripts/test-prepare.sh || echo "test.sh: test-prepare failed; carrying on" >&2

# shellcheck source=scripts/lib/live-journal.sh
source scripts/lib/live-journal.sh
malformed_before=$(live_journal_malformed)
if systemd_coredumpctl_lists 2>/dev/null; then lists_before=yes; else lists_before=no; fi

# What the product writes outside its tests' temporary directories by default:
# no test may create it (the integration tests give every worker a private
# debuginfo cache, test/support/global-setup.ts).
SYSTEM_CACHE=/var/cache/coredump-ts
if [[ -e $SYSTEM_CACHE ]]; then cache_before=yes; else cache_before=no; fi
no_new_system_cache() {
  if [[ $cache_before == no && -e $SYSTEM_CACHE ]]; then
    echo "test.sh: the suite created $SYSTEM_CACHE; a test used the machine's debuginfo cache" >&2
    return 1
  fi
}

# Safety net: whatever a test leaves behind, core_pattern, core_pipe_limit and
# suid_dumpable go back to what they were when the run started. They are read
# under the tests' kernel-settings lock, so as not to mistake another run's
# temporary values for the machine's own.
# shellcheck source=scripts/lib/kernel-lock.sh
source scripts/lib/kernel-lock.sh
if [[ $(id -u) -eq 0 ]]; then kernel_lock_acquire || true; fi
kernel_settings_save
kernel_lock_release
out=$(mktemp -d "${TMPDIR:-/tmp}/coredump-ts-test.XXXXXX")
restored=
restore() {
  [[ -z $restored ]] || return 0
  restored=1
  # A live holder of the lock restores its own settings; only a dead run's
  # leftovers are ours to undo.
  local holder
  if holder=$(kernel_lock_other_holder); then
    echo "test.sh: pid $holder holds the kernel-settings lock; leaving the settings to it" >&2
  elif [[ $(id -u) -eq 0 ]]; then
    kernel_settings_restore test.sh
  fi
  rm -rf "$out"
}
trap restore EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

failed_steps=()
step() {
  local name=$1
  shift
  echo "== $name: $*"
  if ! "$@"; then
    echo "== $name FAILED"
    failed_steps+=("$name")
  fi
}

step build npm run build
step typecheck npm run typecheck
step lint npm run lint
# A hung test must not eat CI's 90 minutes and the closing line with them:
# timeout signals the whole process group (npm, vitest and its workers).
step unit timeout --kill-after=30s 10m npx vitest run --project unit --passWithNoTests \
  --reporter=default --reporter=json --outputFile.json="$out/unit.json"
step integration timeout --kill-after=30s 50m npx vitest run --project integration --passWithNoTests \
  --reporter=default --reporter=json --outputFile.json="$out/integration.json"
step live-journal live_journal_check "$malformed_before" "$lists_before"
step system-cache no_new_system_cache

# Sum the vitest JSON reports. A project whose run failed without a failed test
# (a file that does not load, an unhandled error, no report) counts as failed.
summary=$(node - "$out" "${failed_steps[@]}" <<'JS'
const { readFileSync } = require('node:fs');
const [dir, ...failedSteps] = process.argv.slice(2);
let passed = 0, failed = 0, skipped = 0;
for (const step of ['build', 'typecheck', 'lint', 'live-journal', 'system-cache']) {
  if (failedSteps.includes(step)) failed += 1;
  else if (step === 'live-journal' || step === 'system-cache') passed += 1;
}
for (const project of ['unit', 'integration']) {
  let report;
  try {
    report = JSON.parse(readFileSync(`${dir}/${project}.json`, 'utf8'));
  } catch {
    failed += 1;
    console.error(`test.sh: no vitest report for ${project}`);
    continue;
  }
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + report.numTodoTests;
  if (failedSteps.includes(project) && report.numFailedTests === 0) {
    failed += Math.max(report.numFailedTestSuites, 1);
  }
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exitCode = failed > 0 ? 1 : 0;
JS
)
summary_status=$?

restore
if ((${#failed_steps[@]})); then
  echo "failed steps: ${failed_steps[*]}"
fi
echo "$summary"
if ((${#failed_steps[@]})) || ((summary_status != 0)) || [[ -z $summary ]]; then
  exit 1
fi
