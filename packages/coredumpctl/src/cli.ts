// coredumpctl-ts's command line: run the verb, exit with its status.
import { run } from './run.js';

process.exitCode = await run(process.argv.slice(2));
