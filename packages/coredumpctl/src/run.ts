// Dispatch: parse the command line, run one verb, map errors to messages and
// an exit status. Returns the status; main.ts sets process.exitCode.
// list and top are what runs most, on the biggest journals: the other verbs
// load on use, so their modules (child_process, streams, tty) are not loaded
// nor run for a listing.
import type { VerbContext } from './context.js';
import { CoredumpctlError } from './errors.js';
import { createTimeFormatter } from './format.js';
import { helpText, VERSION } from './help.js';
import { runList } from './list.js';
import { parseOptions } from './options.js';
import { loadErrnoText } from './errno.js';
import { createOutputs, type Outputs } from './output.js';
import { runTop } from './top.js';
import { loadNameDb, NUMBERS_ONLY } from './users.js';

/** glibc's getopt messages start with the program name; they are not log lines. */
const GETOPT_PREFIX = 'coredumpctl: ';

export async function run(argv: readonly string[]): Promise<number> {
  const out = await createOutputs();
  try {
    return await runVerb(argv, out);
  } finally {
    await out.close();
  }
}

async function runVerb(argv: readonly string[], out: Outputs): Promise<number> {
  const { stdout, stderr } = out;
  try {
    const options = parseOptions(argv);
    if (options.verb === 'help') return (stdout.write(helpText(out.style)), 0);
    if (options.verb === 'version') return (stdout.write(VERSION), 0);
    if (options.verb === 'json-help') return (stdout.write('pretty\nshort\noff\n'), 0);
    if (options.image !== undefined) {
      throw new CoredumpctlError(
        'ERR_COREDUMPCTL_USAGE',
        '--image= is not supported by coredumpctl-ts; mount the image and use --root=.',
      );
    }
    // list and -F print numbers; the others load the addon for NSS names and strerror().
    const named = options.verb !== 'list' && options.verb !== 'top' && options.verb !== 'metrics';
    if (named) await loadErrnoText();
    const ctx: VerbContext = {
      options,
      stdout,
      stderr,
      nowUsec: Date.now() * 1000,
      time: createTimeFormatter(),
      names: named ? await loadNameDb() : NUMBERS_ONLY,
      journalctl: process.env.COREDUMP_TS_JOURNALCTL ?? 'journalctl',
      style: out.style,
      terminal: out.terminal,
      log: (m) => {
        out.log(m, 'notice');
      },
    };
    // list (and -F) and info page, as systemd's do; JSON does not.
    if (
      options.pager &&
      (options.verb === 'list' || options.verb === 'info') &&
      options.json === 'off'
    )
      await out.enablePager();
    switch (options.verb) {
      case 'list':
        await runList(ctx);
        return 0;
      case 'info':
        await (await import('./info.js')).runInfo(ctx);
        return 0;
      case 'dump':
        await (await import('./dump.js')).runDump(ctx);
        return 0;
      case 'debug':
        return await (await import('./debug.js')).runDebug(ctx);
      case 'top':
        await runTop(ctx);
        return 0;
      case 'metrics':
        await (await import('./metrics.js')).runMetrics(ctx);
        return 0;
    }
  } catch (error) {
    if (error instanceof CoredumpctlError) {
      if (!error.silent)
        out.log(
          error.message,
          error.message.startsWith(GETOPT_PREFIX) ? 'plain' : error.notice ? 'notice' : 'error',
        );
      return error.exitStatus;
    }
    stderr.write(
      `Unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  }
}
