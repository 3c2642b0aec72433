// The text systemd prints for an errno: glibc's strerror(), through the unix
// addon. The addon loads only for the verbs that report file errors (dump and
// debug call loadErrnoText() first); before that, Node's own message is used.
type Strerror = (errno: string) => string | undefined;

let strerror: Strerror | undefined;

export async function loadErrnoText(): Promise<void> {
  try {
    strerror ??= (await import('@coredump-ts/unix')).strerror;
  } catch {
    // No addon (a broken install): Node's messages, still with the errno name.
  }
}

/** "No such file or directory" for an error with code ENOENT; else its message. */
export function errnoText(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const text = code !== undefined ? strerror?.(code) : undefined;
  return text ?? (error instanceof Error ? error.message : String(error));
}
