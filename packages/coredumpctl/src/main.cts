#!/usr/bin/node
// coredumpctl-ts: list, info, dump and debug coredumps from the journal (cli.ts),
// bundled when the bundle is fresh (@coredump-ts/protocol/entry).
import entry = require('@coredump-ts/protocol/entry');

entry.runEntry(__dirname, './cli.js');
