#!/usr/bin/node
// core_pattern helper (run.ts: kernel pipe mode and --backtrace), bundled when
// the bundle is fresh (@coredump-ts/protocol/entry).
import { runEntry } from '@coredump-ts/protocol/entry';

await runEntry(import.meta.url, './run.js');
