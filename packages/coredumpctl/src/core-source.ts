// The decompressed bytes of an entry's core: from its file (.zst with
// zstd-napi, .xz/.lz4 with the xz/lz4 tools, anything else as is) or from
// COREDUMP= in the journal.
import { spawn } from 'node:child_process';
import { accessSync, constants, createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { VerbContext } from './context.js';
import { fieldText, hasField, valueBytes, type CoredumpEntry } from './entry.js';
import { errnoText } from './errno.js';
import { CoredumpctlError } from './errors.js';
import { resolveUnderRoot } from './corefile.js';
import { fetchFullFields, type Query } from './journal-query.js';

export const COMPRESSED_SUFFIXES = ['.xz', '.lz4', '.zst'] as const;

export type CoreSource = { kind: 'file'; path: string; compressed: boolean } | { kind: 'journal' };

/** Find the core without reading it (systemd's checks before the tty check). */
export function findCore(entry: CoredumpEntry, root: string | undefined): CoreSource {
  const filename = fieldText(entry, 'COREDUMP_FILENAME');
  if (filename !== undefined) {
    const path = resolveUnderRoot(filename, root);
    try {
      accessSync(path, constants.F_OK);
    } catch (cause) {
      const shown = `${root ?? ''}${filename}`;
      throw new CoredumpctlError('ERR_NO_CORE', `Cannot access "${shown}": ${errnoText(cause)}`, {
        cause,
      });
    }
    return { kind: 'file', path, compressed: COMPRESSED_SUFFIXES.some((s) => path.endsWith(s)) };
  }
  if (!hasField(entry, 'COREDUMP')) {
    throw new CoredumpctlError(
      'ERR_NO_CORE',
      'Coredump entry has no core attached (neither internally in the journal nor externally on disk).',
    );
  }
  return { kind: 'journal' };
}

function toolStream(tool: string, path: string): Readable {
  const child = spawn(tool, ['-dc', '--', path], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const out = child.stdout;
  child.once('error', (cause) =>
    out.destroy(
      new CoredumpctlError('ERR_NO_CORE', `Failed to run ${tool}: ${cause.message}`, { cause }),
    ),
  );
  child.once('close', (code) => {
    if (code !== 0)
      out.destroy(new CoredumpctlError('ERR_NO_CORE', `${tool} failed: ${stderr.trim()}`));
  });
  return out;
}

/** Open the core's bytes, decompressing on the fly. Errors carry systemd-like messages. */
export async function openCore(
  ctx: VerbContext,
  q: Query,
  entry: CoredumpEntry,
  source: CoreSource,
): Promise<Readable> {
  if (source.kind === 'journal') {
    const full =
      entry.cursor === undefined
        ? undefined
        : await fetchFullFields(q, entry.cursor, ['COREDUMP'], ctx.journalctl);
    const data = full?.fields.get('COREDUMP')?.at(-1);
    if (data === undefined || data === null)
      throw new CoredumpctlError(
        'ERR_NO_CORE',
        'Failed to retrieve COREDUMP field: No such file or directory',
      );
    return Readable.from([valueBytes(data)]);
  }
  const file = createReadStream(source.path);
  await new Promise<void>((resolve, reject) => {
    file.once('open', () => {
      resolve();
    });
    file.once('error', (cause) => {
      reject(
        new CoredumpctlError('ERR_ACCESS', `Failed to open ${source.path}: ${errnoText(cause)}`, {
          cause,
        }),
      );
    });
  });
  if (source.path.endsWith('.zst')) {
    // Loaded here, not at startup: only dump and debug of a .zst need the native zstd.
    const { DecompressStream } = await import('zstd-napi');
    const z = new DecompressStream();
    file.on('error', (e) => z.destroy(e));
    return file.pipe(z);
  }
  if (source.path.endsWith('.xz') || source.path.endsWith('.lz4')) {
    file.destroy();
    return toolStream(source.path.endsWith('.xz') ? 'xz' : 'lz4', source.path);
  }
  return file;
}
