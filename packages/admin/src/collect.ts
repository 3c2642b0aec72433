// `coredump-ts collect`: run the collector until SIGINT/SIGTERM/SIGHUP and
// print one line per crash as its journal entry lands.
import { Collector, collectorPaths, fileSize } from './collector.js';
import { describeCrash } from './crash-line.js';
import { type Host } from './host.js';
import { currentCursor, followCoredumps } from './journal-follow.js';
import { type Mode, coredumpdBin, resolveMode, socketModeUsable } from './mode.js';

export type Print = (line: string) => void;

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Runs body(collector) between start() and stop(). A stop signal restores the
 * kernel settings at once (synchronously), then aborts body; stop() then
 * ends what start() began, whatever way body ends.
 */
export async function withCollector<T>(
  host: Host,
  print: Print,
  body: (c: Collector, signal: AbortSignal) => Promise<T>,
  mode: Mode = 'auto',
): Promise<T> {
  const choice = resolveMode(mode, () => socketModeUsable(host, coredumpdBin(host.appDir)));
  print(`coredump-ts: ${choice.mode} mode (${choice.why})`);
  const collector = new Collector(host, collectorPaths(host.appDir), choice.mode);
  const abort = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => {
    collector.restoreKernelNow();
    print(`coredump-ts: ${sig}, stopping`);
    abort.abort();
  };
  for (const sig of STOP_SIGNALS) process.on(sig, onSignal);
  try {
    await collector.start();
    for (const what of collector.started) print(`coredump-ts: started ${what}`);
    print(`coredump-ts: kernel.core_pattern=${collector.corePattern()}`);
    return await body(collector, abort.signal);
  } finally {
    for (const note of await collector.stop()) print(`coredump-ts: ${note}`);
    for (const sig of STOP_SIGNALS) process.removeListener(sig, onSignal);
  }
}

export async function collect(host: Host, print: Print, mode: Mode = 'auto'): Promise<void> {
  const cursor = currentCursor(host);
  await withCollector(
    host,
    print,
    async (_collector, signal) => {
      if (signal.aborted) return;
      const follower = followCoredumps(cursor);
      const stopFollowing = (): void => {
        follower.child.kill('SIGTERM');
      };
      signal.addEventListener('abort', stopFollowing, { once: true });
      print('coredump-ts: collecting; one line per crash below. Ctrl-C to stop and restore.');
      try {
        for await (const entry of follower.entries) print(describeCrash(entry, fileSize).line);
      } finally {
        stopFollowing();
      }
    },
    mode,
  );
}
