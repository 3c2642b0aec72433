// coredumpctl-ts's command line: run the verb, exit with its status.
import { run } from './run.js';

// No top-level await: the bundle is CommonJS (@coredump-ts/protocol/entry).
void run(process.argv.slice(2)).then((status) => {
  process.exitCode = status;
});
