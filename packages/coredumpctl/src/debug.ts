// The debug (gdb) verb: run a debugger on the executable and the core,
// decompressed into a private temp file that is removed afterwards.
import { spawn } from 'node:child_process';
import { signalToString } from '@coredump-ts/protocol';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { VerbContext } from './context.js';
import { findCore, openCore } from './core-source.js';
import { resolveUnderRoot } from './corefile.js';
import { fieldText } from './entry.js';
import { CoredumpctlError } from './errors.js';
import { formatInfo } from './info-text.js';
import { baseQuery } from './journal-query.js';
import { focusEntry } from './select.js';
import { writeCore } from './core-write.js';

export function debuggerArgv(
  debuggerName: string,
  extra: readonly string[],
  exe: string,
  core: string,
  root: string | undefined,
): string[] {
  const argv = [debuggerName, ...extra, exe, '-c', core];
  if (root !== undefined && debuggerName === 'gdb') argv.push('-iex', `set sysroot ${root}`);
  if (root !== undefined && debuggerName === 'lldb')
    argv.push('-O', `platform select --sysroot ${root} host`);
  return argv;
}

function runDebugger(argv: readonly string[]): Promise<number> {
  const [cmd = 'gdb', ...args] = argv;
  return new Promise((resolve) => {
    const ignoreInt = (): void => undefined;
    const child = spawn(cmd, args, { stdio: 'inherit' });
    const forwardTerm = (): void => {
      child.kill('SIGTERM');
    };
    process.on('SIGINT', ignoreInt);
    process.on('SIGTERM', forwardTerm);
    const done = (status: number): void => {
      process.removeListener('SIGINT', ignoreInt);
      process.removeListener('SIGTERM', forwardTerm);
      resolve(status);
    };
    child.once('error', (e) => {
      process.stderr.write(
        `Failed to invoke ${cmd}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : e.message}\n`,
      );
      done(1);
    });
    child.once('exit', (code, signal) => {
      if (signal !== null) {
        process.stderr.write(
          `${cmd} terminated by signal ${signal.startsWith('SIG') ? signal.slice(3) : signalToString(Number(signal))}.\n`,
        );
        done(1);
      } else done(code ?? 1);
    });
  });
}

/** Returns the debugger's exit status. */
export async function runDebug(ctx: VerbContext): Promise<number> {
  const o = ctx.options;
  const debuggerName = o.debugger ?? process.env.SYSTEMD_DEBUGGER ?? 'gdb';
  if (o.field !== undefined)
    throw new CoredumpctlError(
      'ERR_COREDUMPCTL_USAGE',
      'Option --field/-F only makes sense with list',
    );
  const { entry } = await focusEntry(ctx);
  if (!o.quiet) ctx.stdout.write(`${formatInfo(ctx, entry)}\n`);
  const exeField = fieldText(entry, 'COREDUMP_EXE');
  if (exeField === undefined)
    throw new CoredumpctlError(
      'ERR_DEBUGGER',
      'Failed to retrieve COREDUMP_EXE field: No such file or directory',
    );
  if (exeField.endsWith(' (deleted)'))
    throw new CoredumpctlError('ERR_DEBUGGER', 'Binary already deleted.');
  if (!exeField.startsWith('/'))
    throw new CoredumpctlError('ERR_DEBUGGER', 'Binary is not an absolute path.');
  const exe = resolveUnderRoot(exeField, o.root);
  const source = findCore(entry, o.root);
  let corePath: string;
  let tempDir: string | undefined;
  if (source.kind === 'file' && !source.compressed) corePath = source.path;
  else {
    tempDir = mkdtempSync(join(process.env.TMPDIR ?? '/var/tmp', 'coredump-'));
    corePath = join(tempDir, 'core');
  }
  try {
    if (tempDir !== undefined) {
      const fd = openSync(corePath, 'wx', 0o600);
      try {
        await writeCore(
          await openCore(ctx, baseQuery(o, { withTimes: false }), entry, source),
          fd,
          false,
        );
      } finally {
        closeSync(fd);
      }
    }
    return await runDebugger(debuggerArgv(debuggerName, o.debuggerArgs, exe, corePath, o.root));
  } finally {
    if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true });
  }
}
