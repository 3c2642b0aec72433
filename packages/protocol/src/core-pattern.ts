/**
 * The kernel.core_pattern line for a handler (spec §2.1, v262 specifiers): the one home of
 * the specifiers and of the kernel's length limit (admin's collector and the tests use it).
 */

export const CORE_PATTERN_SPECIFIERS = '%P %u %g %s %t %c %h %d %F %I';
/** The kernel keeps core_pattern in a 128-byte buffer including the terminating NUL. */
export const CORE_PATTERN_MAX_BYTES = 127;

export const corePatternLine = (handlerPath: string): string => {
  if (!handlerPath.startsWith('/') || /\s/.test(handlerPath)) {
    throw new RangeError(
      `core_pattern handler must be an absolute path without spaces: ${handlerPath}`,
    );
  }
  const line = `|${handlerPath} ${CORE_PATTERN_SPECIFIERS}`;
  const bytes = Buffer.byteLength(line);
  if (bytes > CORE_PATTERN_MAX_BYTES) {
    throw new RangeError(
      `core_pattern would be ${bytes} bytes, over the kernel's ${CORE_PATTERN_MAX_BYTES}: ${line}`,
    );
  }
  return line;
};
