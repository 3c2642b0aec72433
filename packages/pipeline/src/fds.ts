import { close } from '@coredump-ts/unix';

/** close(2), ignoring an fd that is already closed; undefined is a no-op. */
export function closeQuietly(fd: number | undefined): void {
  if (fd === undefined) return;
  try {
    close(fd);
  } catch {
    // already closed
  }
}
