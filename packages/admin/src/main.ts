#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS node
// coredump-ts: install | uninstall | collect | demo | exporter | --version. Dispatch only.
import { USAGE, parseCommand } from './args.js';
import { collect } from './collect.js';
import { demo } from './demo.js';
import { exitStatusOf } from './errors.js';
import { runExporterCommand } from './exporter.js';
import { defaultHost } from './host.js';
import { install } from './install.js';
import { appVersion, defaultAppDir } from './layout.js';
import { printReport } from './report.js';
import { uninstall } from './uninstall.js';

const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

async function main(argv: readonly string[]): Promise<void> {
  const command = parseCommand(argv);
  switch (command.verb) {
    case 'help':
      process.stdout.write(USAGE);
      return;
    case 'version':
      process.stdout.write(`coredump-ts ${appVersion(defaultAppDir())}\n`);
      return;
    case 'install':
      printReport(command.verb, install(defaultHost(command.root), command.mode), print);
      return;
    case 'uninstall':
      printReport(command.verb, uninstall(defaultHost(command.root)), print);
      return;
    case 'collect':
      await collect(defaultHost('/'), print, command.mode);
      return;
    case 'demo':
      await demo(defaultHost('/'), print);
      return;
    case 'exporter':
      process.exitCode = await runExporterCommand(command.args);
      return;
  }
}

// A closed pipe (coredump-ts ... | head) is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

main(process.argv.slice(2)).catch((error: unknown) => {
  const code = (error as { code?: unknown }).code;
  process.stderr.write(
    `coredump-ts: ${error instanceof Error ? error.message : String(error)}${typeof code === 'string' ? ` [${code}]` : ''}\n`,
  );
  process.exitCode = exitStatusOf(error);
});
