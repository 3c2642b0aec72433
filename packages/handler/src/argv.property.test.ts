// Property tests of the handler's kernel argv (issue 15, item 1): whatever argv the
// handler accepts, the context it builds is accepted by its own validation and by the
// worker's receiver (contextFromDatagrams) from the datagrams it would send; a crash is
// never dropped for metadata. `npm run fuzz` runs them long.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildJournalFields,
  contextFromDatagrams,
  contextFromKernel,
  type ProcCollection,
} from '@coredump-ts/context';
import { FIELD, encodeDatagram, isCoredumpError } from '@coredump-ts/protocol';
import { fuzzParams } from '../../../test/support/fuzz.js';
import { parseKernelArgv } from './argv.js';

const GOOD = ['4242', '1000', '1000', '11', '1700000000', '18446744073709551615', 'host', '1'];

const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 70 }),
  fc.constantFrom('', '0', '-1', '65', '4294967295', '65535', '18446744073709551616', 'bad_host'),
  fc.constantFrom('a..b', '-x', 'x.', 'x'.repeat(65), 'h\\x', 'h\nx', '\u00e9', 'a b'),
);

/** Positions 0-9: mostly what the kernel gives, sometimes anything. */
const argvArb = fc
  .tuple(
    fc.integer({ min: 0, max: 12 }),
    fc.array(fc.option(anyText, { freq: 2, nil: undefined }), { minLength: 12, maxLength: 12 }),
  )
  .map(([n, mut]) =>
    Array.from({ length: n }, (_, i) => mut[i] ?? GOOD[i] ?? (i === 9 ? '4243' : '')),
  );

const PROC: ProcCollection = {
  values: new Map([[FIELD.EXE, Buffer.from('/usr/bin/crasher')]]),
  unit: '',
};

describe('handler argv: accepted by the handler implies accepted by the worker', () => {
  it('holds for mutated kernel argv', () => {
    fc.assert(
      fc.property(argvArb, fc.stringMatching(/^[a-z0-9_]{1,15}$/), (argv, comm) => {
        let parsed;
        try {
          parsed = parseKernelArgv(argv);
        } catch (error) {
          // Refused before any context exists: a coded ERR_ARGV, exit status of its own.
          expect(isCoredumpError(error) && error.code === 'ERR_ARGV').toBe(true);
          return;
        }
        const { args } = parsed;
        if (args.pidfd !== undefined) return; // fd handling is the helper's, not argv's
        const ctx = contextFromKernel(args, comm, PROC, undefined);
        const datagrams = buildJournalFields(ctx).map(encodeDatagram);
        const received = contextFromDatagrams(datagrams, { pidfdReceived: false });
        expect(received.meta.hostname).toBe(ctx.meta.hostname);
        expect(received.meta.pid).toBe(args.pid);
        expect(received.meta.signal).toBe(args.signal);
      }),
      fuzzParams(1000),
    );
  });

  it('keeps the bad_host reproducer (issue 15 item 1)', () => {
    const { args } = parseKernelArgv([...GOOD.slice(0, 6), 'bad_host', '1']);
    const ctx = contextFromKernel(args, 'crasher', PROC, undefined);
    const received = contextFromDatagrams(buildJournalFields(ctx).map(encodeDatagram), {
      pidfdReceived: false,
    });
    expect(received.meta.hostname).toBe('bad_host');
  });
});
