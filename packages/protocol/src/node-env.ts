// Environment variables none of our Node processes uses, and which cost every
// start: with NODE_EXTRA_CA_CERTS set, Node reads and parses the whole CA store
// before any of our code runs (+50-60 ms per start on the CI machine, where the
// shell sets it; corporate images often set it system-wide). Nothing in
// coredump-ts speaks TLS. The launchers' shebang drops them (env -u), the
// manager does not pass them to its workers, nor the collector to the manager.
// Units and the kernel start us with a clean environment already.

/** Dropped from our processes' environment; see above. */
export const UNUSED_NODE_ENV: readonly string[] = ['NODE_EXTRA_CA_CERTS'];

/** The first line of a launcher run by `nodePath`, without UNUSED_NODE_ENV. */
export function launcherShebang(nodePath: string): string {
  const unset = UNUSED_NODE_ENV.map((name) => `-u ${name}`).join(' ');
  return `#!/usr/bin/env -S ${unset} ${nodePath}`;
}

/** env without UNUSED_NODE_ENV. */
export function withoutUnusedNodeEnv(
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(env).filter(([name]) => !UNUSED_NODE_ENV.includes(name)),
  );
}
