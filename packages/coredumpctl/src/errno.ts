// The text systemd prints for an errno: glibc's strerror(), through the unix
// addon. The addon loads only for the verbs that report file errors (dump and
// debug call loadErrnoText() first); before that, Node's own message is used.
type ErrnoMessage = (error: unknown) => string;

let errnoMessage: ErrnoMessage | undefined;

export async function loadErrnoText(): Promise<void> {
  try {
    errnoMessage ??= (await import('@coredump-ts/unix')).errnoMessage;
  } catch {
    // No addon (a broken install): Node's messages, still with the errno name.
  }
}

/** "No such file or directory" for an error with code ENOENT; else its message. */
export function errnoText(error: unknown): string {
  if (errnoMessage !== undefined) return errnoMessage(error);
  return error instanceof Error ? error.message : String(error);
}
