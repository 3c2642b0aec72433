// The pager, chosen as systemd 252's pager_open() chooses it (checked against
// /usr/bin/coredumpctl under a pty: test/coredumpctl-terminal.test.ts):
// - none unless stdout and stderr are ttys and $TERM is set and not "dumb";
//   none when $SYSTEMD_PAGER (else $PAGER), split at whitespace, is empty or "cat";
// - LESS=$SYSTEMD_LESS or FRSXMK; LESSCHARSET=$SYSTEMD_LESSCHARSET, or utf-8
//   when the locale is UTF-8 (is_locale_utf8());
// - secure mode (LESSSECURE=1) when $SYSTEMD_PAGERSECURE says so, is not a
//   boolean, or is unset and the session's owner (sd_pid_get_owner_uid())
//   is unknown or not our euid;
// - $SYSTEMD_PAGER/$PAGER runs only when $SYSTEMD_PAGERSECURE was set to a
//   boolean; then "pager", "less", "more" from $PATH, only "less" in secure
//   mode; with none of them the output goes straight to the terminal.
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { parseBoolean, terminalIsDumb } from './terminal.js';

export interface PagerCommand {
  readonly file: string;
  readonly args: readonly string[];
  /** what the pager's environment gets set (a value) or unset (undefined) */
  readonly env: Readonly<Record<string, string | undefined>>;
}

export interface PagerFacts {
  /** stdout and stderr are ttys */
  tty: boolean;
  euid: number;
  /** sd_pid_get_owner_uid(0): the uid owning our session, undefined when unknown */
  ownerUid: number | undefined;
  localeUtf8: boolean;
  /** the path of an executable found on $PATH, as execvp() would find it */
  which(name: string): string | undefined;
}

const FALLBACKS = ['pager', 'less', 'more'] as const;

/** The pager to run; 'builtin' when none can (the output goes to the tty); undefined: no pager. */
export function choosePager(
  env: NodeJS.ProcessEnv,
  facts: PagerFacts,
): PagerCommand | 'builtin' | undefined {
  if (terminalIsDumb(env, facts.tty)) return undefined;
  const setting = env.SYSTEMD_PAGER ?? env.PAGER;
  const words = setting?.split(/[ \t\n\r]+/).filter((w) => w !== '');
  if (words !== undefined && (words.length === 0 || (words.length === 1 && words[0] === 'cat')))
    return undefined;
  const secureSetting = env.SYSTEMD_PAGERSECURE;
  const secureBool = secureSetting === undefined ? undefined : parseBoolean(secureSetting);
  const trustPager = secureBool !== undefined;
  const secure =
    secureSetting === undefined
      ? facts.ownerUid === undefined || facts.ownerUid !== facts.euid
      : (secureBool ?? true);
  const charset = env.SYSTEMD_LESSCHARSET ?? (facts.localeUtf8 ? 'utf-8' : undefined);
  const pagerEnv: Record<string, string | undefined> = {
    LESS: env.SYSTEMD_LESS ?? 'FRSXMK',
    LESSSECURE: secure ? '1' : undefined,
  };
  if (charset !== undefined) pagerEnv.LESSCHARSET = charset;
  if (trustPager && words !== undefined) {
    const [name = '', ...args] = words;
    const file = facts.which(name);
    if (file !== undefined) return { file, args, env: pagerEnv };
  }
  for (const name of FALLBACKS) {
    // Only less (and the built-in) implement secure mode.
    if (secure && name !== 'less') continue;
    const file = facts.which(name);
    if (file !== undefined) return { file, args: [], env: pagerEnv };
  }
  return 'builtin';
}

/** execvp()'s search: a name with a slash as it is, else the first executable file on $PATH. */
export function which(
  name: string,
  path = process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
): string | undefined {
  const candidates = name.includes('/')
    ? [name]
    : path.split(':').map((d) => `${d === '' ? '.' : d}/${name}`);
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return file;
    } catch {
      // not this one
    }
  }
  return undefined;
}

/**
 * sd_pid_get_owner_uid(0), from /proc/self/cgroup: the uid of the user slice
 * ("user-1000.slice") our cgroup is in; undefined outside one (no logind
 * session, a container without systemd), where systemd enables secure mode.
 */
export function ownerUid(cgroupFile = '/proc/self/cgroup'): number | undefined {
  let text: string;
  try {
    text = readFileSync(cgroupFile, 'utf8');
  } catch {
    return undefined;
  }
  const m =
    /^0::.*\/user-(\d+)\.slice\/(?:[^\n]*\/)?(?:session-[^/\n]+\.scope|user@\d+\.service)/m.exec(
      text,
    );
  return m?.[1] !== undefined ? Number(m[1]) : undefined;
}

/**
 * is_locale_utf8() after setlocale(LC_ALL, ""): the LC_CTYPE locale from
 * $LC_ALL, $LC_CTYPE, $LANG. A locale this system does not have fails
 * setlocale(), which counts as UTF-8; so does nothing set at all (C). An
 * explicit C or POSIX does not.
 */
export function localeIsUtf8(env: NodeJS.ProcessEnv, localeDir = '/usr/lib/locale'): boolean {
  const name = [env.LC_ALL, env.LC_CTYPE, env.LANG].find((v) => v !== undefined && v !== '');
  if (name === undefined) return true;
  if (name === 'C' || name === 'POSIX') return false;
  const dot = name.indexOf('.');
  const codeset = dot < 0 ? '' : name.slice(dot + 1).replace(/@.*$/, '');
  if (/^utf-?8$/i.test(codeset)) return true;
  // A non-UTF-8 locale counts only if it is installed (else setlocale() fails).
  const normalized =
    dot < 0 ? name : `${name.slice(0, dot)}.${codeset.toLowerCase().replace(/[^a-z0-9]/g, '')}`;
  if (existsSync(`${localeDir}/${normalized}`) || existsSync(`${localeDir}/${name}`)) return false;
  try {
    const archive = readFileSync(`${localeDir}/locale-archive`);
    return (
      !archive.includes(Buffer.from(`${normalized}\0`)) &&
      !archive.includes(Buffer.from(`${name}\0`))
    );
  } catch {
    return true;
  }
}

export interface Pager {
  readonly input: Writable;
  /** End the pager's input and wait for it to exit. */
  close(): Promise<void>;
}

/** Start the pager with our stdout and stderr (the tty) as its own. */
export function startPager(command: PagerCommand): Pager {
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries({ ...process.env, ...command.env }).filter(([, v]) => v !== undefined),
  );
  const child = spawn(command.file, [...command.args], {
    stdio: ['pipe', 'inherit', 'inherit'],
    env,
  });
  const exited = new Promise<void>((resolve) => {
    child.once('close', () => {
      resolve();
    });
    child.once('error', () => {
      resolve();
    });
  });
  // A pager that quits early (q in less) closes the pipe: not an error of ours.
  child.stdin.on('error', () => undefined);
  return {
    input: child.stdin,
    async close() {
      child.stdin.end();
      await exited;
    },
  };
}
