#!/usr/bin/node
// coredumpctl-ts: list, info, dump and debug coredumps from the journal.
import { run } from './run.js';

process.exitCode = await run(process.argv.slice(2));
