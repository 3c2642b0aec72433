#!/usr/bin/node
// coredumpctl-ts: list, info, dump and debug coredumps from the journal (cli.ts),
// bundled when the bundle is fresh (@coredump-ts/unix/entry).
import entry = require('@coredump-ts/unix/entry');

entry.runEntry(__dirname, './cli.js');
