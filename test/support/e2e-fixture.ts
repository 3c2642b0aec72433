// The fixture every end-to-end suite starts from, set up once per describe
// block: a journald to record the crashes, the unprivileged test user, and the
// pipeline (the handler wrapper core_pattern points at, the socket-activated
// worker, a temp storage and config tree). Torn down in reverse: the pipeline
// closed, then journald stopped (only if this fixture started it).
//
// The kernel settings are not touched here: each crash sets core_pattern,
// core_pipe_limit and suid_dumpable under the kernel lock (withPipelineKernel)
// and they are put back when its process is reaped.
import { afterAll, beforeAll } from 'vitest';

import { ensureTestUser, startPipeline, type Pipeline } from './e2e.js';
import { ensureJournald, type JournaldHandle } from './journald.js';

/** What the fixture needs of a journald: a way to stop it afterwards. */
export interface StoppableJournald {
  stop(): Promise<void>;
}

export interface E2eFixture<J extends StoppableJournald = JournaldHandle> {
  readonly journald: J;
  /** The uid of the test user (ensureTestUser). */
  readonly uid: number;
  readonly pipeline: Pipeline;
}

export interface E2eFixtureOptions<J extends StoppableJournald = JournaldHandle> {
  /** The test user to create or look up; ensureTestUser's default when not given. */
  readonly user?: string;
  /** The temp tree's name prefix; startPipeline's default when not given. */
  readonly prefix?: string;
  /** Starts the journald the worker writes to; the machine's (ensureJournald) when not given. */
  readonly journald?: () => Promise<J>;
  /**
   * More environment for the handler and worker, given that journald (e.g.
   * COREDUMP_TS_JOURNAL_SOCKET for a journald of the test's own). A method, so
   * that the implementation below can take the options of any journald.
   */
  env?(journald: J): Readonly<Record<string, string>>;
}

/**
 * Registers beforeAll/afterAll in the calling describe block (or file) for the
 * fixture, and returns it; its fields can be read once beforeAll has run. If
 * setting up fails part way, what was started is stopped again before the
 * error is rethrown.
 */
export function setUpE2eFixture(options?: E2eFixtureOptions): E2eFixture;
export function setUpE2eFixture<J extends StoppableJournald>(
  options: E2eFixtureOptions<J> & { readonly journald: () => Promise<J> },
): E2eFixture<J>;
export function setUpE2eFixture(
  options: E2eFixtureOptions<StoppableJournald> = {},
): E2eFixture<StoppableJournald> {
  const { user, prefix, journald: startJournald = ensureJournald } = options;
  let state: { journald: StoppableJournald; uid: number; pipeline: Pipeline } | undefined;
  let journald: StoppableJournald | undefined;

  beforeAll(async () => {
    journald = await startJournald();
    try {
      const uid = ensureTestUser(user);
      const pipeline = await startPipeline(prefix, { env: options.env?.(journald) ?? {} });
      state = { journald, uid, pipeline };
    } catch (error) {
      const j = journald;
      journald = undefined;
      await j.stop();
      throw error;
    }
  });
  afterAll(async () => {
    const s = state;
    const j = journald;
    state = undefined;
    journald = undefined;
    try {
      await s?.pipeline.close();
    } finally {
      await j?.stop();
    }
  });

  const get = (): NonNullable<typeof state> => {
    if (state === undefined) throw new Error('the e2e fixture is not set up (beforeAll not run)');
    return state;
  };
  return {
    get journald() {
      return get().journald;
    },
    get uid() {
      return get().uid;
    },
    get pipeline() {
      return get().pipeline;
    },
  };
}
