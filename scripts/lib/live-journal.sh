# The machine's journal before and after the suite (issue 14 item 2): tests
# put made-up entries into journald namespaces of their own, so the number of
# malformed coredump entries in the live journal (MESSAGE_ID=fc2e22bc...
# without COREDUMP_PID, _UID, _GID or _SIGNAL, which make systemd 252's
# coredumpctl abort) must not grow, and systemd's own coredumpctl must still
# list. Sourced by scripts/test.sh.

MALFORMED_FIELDS=COREDUMP_PID,COREDUMP_UID,COREDUMP_GID,COREDUMP_SIGNAL

# Prints the number of malformed coredump entries in the live journal.
live_journal_malformed() {
  journalctl -q --no-pager -o json --output-fields="$MALFORMED_FIELDS" \
    MESSAGE_ID=fc2e22bc6ee647b6b90729ab34a250b1 2>/dev/null |
    node -e '
      const wanted = process.argv[1].split(",");
      let n = 0;
      for (const line of require("node:fs").readFileSync(0, "utf8").split("\n")) {
        if (line === "") continue;
        const entry = JSON.parse(line);
        if (wanted.some((f) => entry[f] === undefined || entry[f] === null || entry[f] === "")) n++;
      }
      console.log(n);
    ' "$MALFORMED_FIELDS"
}

# systemd's coredumpctl over the whole live journal: 0, or 1 with "No coredumps found."
systemd_coredumpctl_lists() {
  local out status
  [[ -x /usr/bin/coredumpctl ]] || {
    echo "live-journal: /usr/bin/coredumpctl missing (apt-get install systemd-coredump)" >&2
    return 1
  }
  out=$(SYSTEMD_PAGER=cat /usr/bin/coredumpctl --no-pager list 2>&1 >/dev/null)
  status=$?
  if ((status == 0)) || { ((status == 1)) && [[ $out == *"No coredumps found"* ]]; }; then
    return 0
  fi
  echo "live-journal: systemd's coredumpctl list failed ($status): ${out: -400}" >&2
  return 1
}

# live_journal_check BEFORE [LISTED_BEFORE]: the count must not have grown, and
# coredumpctl must list. If it already failed before the suite (LISTED_BEFORE=no:
# entries older than this run, e.g. someone's `logger MESSAGE_ID=fc2e...`),
# the suite cannot be blamed for it: say so, and judge only the count.
live_journal_check() {
  local before=$1 listed_before=${2:-yes} after
  after=$(live_journal_malformed)
  echo "live-journal: malformed coredump entries before $before, after $after"
  if [[ -z $after || -z $before ]] || ((after > before)); then
    echo "live-journal: the suite wrote malformed coredump entries into the machine's journal" >&2
    return 1
  fi
  if [[ $listed_before == no ]]; then
    if ! systemd_coredumpctl_lists; then
      echo "live-journal: systemd's coredumpctl list already failed before the suite, on $before older malformed entries; not counted"
    fi
    return 0
  fi
  systemd_coredumpctl_lists
}
