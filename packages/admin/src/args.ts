import { parseArgs } from 'node:util';
import { AdminError } from './errors.js';
import { type Mode, parseMode } from './mode.js';

export type Command =
  | { verb: 'install'; root: string; mode: Mode }
  | { verb: 'uninstall'; root: string }
  | { verb: 'collect'; mode: Mode }
  | { verb: 'demo' }
  | { verb: 'exporter'; args: readonly string[] }
  | { verb: 'help' }
  | { verb: 'version' };

export const USAGE = `Usage: coredump-ts <command> [options]

Commands:
  install [--root DIR] [--mode=auto|socket|pipe]
                          copy the build to /usr/lib/coredump-ts, link coredumpctl-ts and
                          coredump-ts into /usr/bin; install units, sysctl, tmpfiles,
                          sysusers and coredump.conf
  uninstall [--root DIR]  remove exactly that and restore the previous core_pattern
  collect [--mode=auto|socket|pipe]
                          run the collector in the foreground (no systemd as PID 1)
  demo                    start the collector, crash a sample program, show the result
  exporter [--listen=HOST:PORT] [--directory=DIR]
                          serve Prometheus metrics about coredumps (default :9113)
  help                    this text

Options:
  --mode=socket           core_pattern @@ and the resident coredumpd manager (Linux 6.17+)
  --mode=pipe             the kernel starts the handler for each crash
  --mode=auto             socket when coredumpd --check-requirements passes (the default)

  --version               print the version and exit
`;

/** argv without the node binary and script. */
export function parseCommand(argv: readonly string[]): Command {
  const [verb, ...rest] = argv;
  switch (verb) {
    case 'install':
    case 'uninstall': {
      const { values } = parse(
        rest,
        verb === 'install'
          ? { root: { type: 'string' }, mode: { type: 'string' } }
          : { root: { type: 'string' } },
      );
      const root = values.root ?? '/';
      if (root === '') throw new AdminError('ERR_USAGE', '--root needs a directory');
      return verb === 'install' ? { verb, root, mode: parseMode(values.mode) } : { verb, root };
    }
    case 'collect': {
      const { values } = parse(rest, { mode: { type: 'string' } });
      return { verb, mode: parseMode(values.mode) };
    }
    case 'demo':
      parse(rest, {});
      return { verb };
    case 'exporter':
      return { verb, args: rest };
    case '--version':
    case 'version':
      return { verb: 'version' };
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return { verb: 'help' };
    default:
      throw new AdminError('ERR_USAGE', `unknown command '${verb}'\n\n${USAGE}`);
  }
}

function parse<T extends Record<string, { type: 'string' }>>(
  args: string[],
  options: T,
): { values: { [K in keyof T]?: string } } {
  try {
    const { values } = parseArgs({ args, options, allowPositionals: false, strict: true });
    return { values };
  } catch (error) {
    throw new AdminError('ERR_USAGE', `${(error as Error).message}\n\n${USAGE}`, { cause: error });
  }
}
