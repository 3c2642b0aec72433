#!/usr/bin/node
// coredumpctl-ts: list, info, dump and debug coredumps from the journal (cli.ts),
// bundled when the bundle is fresh (@coredump-ts/protocol/entry).
import { runEntry } from '@coredump-ts/protocol/entry';

await runEntry(import.meta.url, './cli.js');
