# bash completion for coredumpctl-ts(1): commands, options, and matches
# (FIELD= names of coredump entries, their values from `coredumpctl-ts -F`).
# Installed by `coredump-ts install` as
# /usr/share/bash-completion/completions/coredumpctl-ts.

# The journal fields of a coredump entry (kept in step with FIELD in
# packages/protocol by test/completion.test.ts).
_coredumpctl_ts_fields=(
  COREDUMP_PID COREDUMP_BY_PIDFD COREDUMP_PIDFDID COREDUMP_UID COREDUMP_GID
  COREDUMP_SIGNAL COREDUMP_SIGNAL_NAME COREDUMP_CODE COREDUMP_TIMESTAMP COREDUMP_RLIMIT
  COREDUMP_HOSTNAME COREDUMP_DUMPABLE COREDUMP_COMM COREDUMP_TID COREDUMP_THREAD_NAME
  COREDUMP_EXE COREDUMP_UNIT COREDUMP_USER_UNIT COREDUMP_SESSION COREDUMP_OWNER_UID
  COREDUMP_SLICE COREDUMP_CMDLINE COREDUMP_CGROUP COREDUMP_OPEN_FDS COREDUMP_PROC_STATUS
  COREDUMP_PROC_MAPS COREDUMP_PROC_LIMITS COREDUMP_PROC_CGROUP COREDUMP_PROC_MOUNTINFO
  COREDUMP_PROC_AUXV COREDUMP_CWD COREDUMP_ROOT COREDUMP_CONTAINER_CMDLINE COREDUMP_ENVIRON
  COREDUMP_FORWARDED COREDUMP_FILENAME COREDUMP_TRUNCATED COREDUMP_PACKAGE_JSON
  COREDUMP_PACKAGE_NAME COREDUMP_PACKAGE_VERSION
  COREDUMP_TS_STACKTRACE COREDUMP_TS_SIGNATURE COREDUMP_TS_SIGNATURE_BASIS COREDUMP_TS_TOP_FRAME
  COREDUMP_TS_CONTENT COREDUMP_TS_RATE_LIMITED COREDUMP_TS_SUPPRESSED
)

_coredumpctl_ts() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
  local commands='list info dump debug top metrics'
  local options='-h --help --version --no-pager --no-legend --json= --debugger= -A
    --debugger-arguments= -n -1 -S --since= -U --until= -r --reverse -F --field= -o --output=
    --file= -D --directory= -q --quiet --all --root= --image='
  local verb word
  for word in "${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    case $word in list | info | dump | debug) verb=$word ;; esac
  done

  # The value of an option given as a separate word.
  case $prev in
    -o | --output | --file | --image)
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      return
      ;;
    -D | --directory | --root)
      mapfile -t COMPREPLY < <(compgen -d -- "$cur")
      return
      ;;
    --debugger)
      mapfile -t COMPREPLY < <(compgen -c -- "$cur")
      return
      ;;
    -F | --field)
      mapfile -t COMPREPLY < <(compgen -W "${_coredumpctl_ts_fields[*]}" -- "$cur")
      return
      ;;
    -n | -S | --since | -U | --until | -A | --debugger-arguments) return ;;
  esac

  case $cur in
    --json=*)
      mapfile -t COMPREPLY < <(compgen -P --json= -W 'pretty short off' -- "${cur#--json=}")
      return
      ;;
    --field=*)
      mapfile -t COMPREPLY < <(compgen -P --field= -W "${_coredumpctl_ts_fields[*]}" -- "${cur#--field=}")
      return
      ;;
    --output=* | --file=* | --image=*)
      mapfile -t COMPREPLY < <(compgen -P "${cur%%=*}=" -f -- "${cur#*=}")
      return
      ;;
    --directory=* | --root=*)
      mapfile -t COMPREPLY < <(compgen -P "${cur%%=*}=" -d -- "${cur#*=}")
      return
      ;;
    -*)
      mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")
      [[ ${COMPREPLY[0]-} == *= ]] && compopt -o nospace 2>/dev/null
      return
      ;;
    COREDUMP_*=*)
      # The values this field takes among the recorded crashes.
      local field=${cur%%=*}
      mapfile -t COMPREPLY < <(compgen -P "$field=" -W "$(coredumpctl-ts -q -F "$field" 2>/dev/null)" -- "${cur#*=}")
      return
      ;;
  esac

  if [[ -z $verb ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$cur")
  fi
  # Matches: FIELD=, or an executable path.
  local fields
  fields=$(printf '%s= ' "${_coredumpctl_ts_fields[@]}")
  mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -W "$fields" -- "$cur")
  [[ $cur == /* ]] && mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -f -- "$cur")
  [[ ${COMPREPLY[0]-} == *= ]] && compopt -o nospace 2>/dev/null
  return 0
}

complete -F _coredumpctl_ts coredumpctl-ts
