// systemd's stack-trace text (spec §8.2), which MESSAGE carries after
// "\n\n": the Module lines, one block per thread, the architecture line.
import { moduleMetadata, type JsonMembers } from './package-fields.js';
import type { StackModule, StackTrace } from './trace.js';

function member(metadata: JsonMembers, key: string): string | undefined {
  const value = metadata.find(([k]) => k === key)?.[1];
  return typeof value === 'string' ? value : undefined;
}

/** "Module <name> from <type> <name>-<version>.<arch>[, build-id=<hex>]" */
function packageLine(name: string, metadata: JsonMembers): string {
  const type = member(metadata, 'type');
  const packageName = member(metadata, 'name');
  const version = member(metadata, 'version');
  const arch = member(metadata, 'architecture');
  const buildId = member(metadata, 'buildId');
  let line = `Module ${name}`;
  if (packageName !== undefined) {
    line += ` from ${type ?? 'package'} ${packageName}`;
    if (version !== undefined) line += `-${version}`;
    if (arch !== undefined) line += `.${arch}`;
  }
  if (buildId !== undefined && (packageName === undefined || version === undefined)) {
    line += `, build-id=${buildId}`;
  }
  return line;
}

function moduleLines(modules: readonly StackModule[]): string[] {
  const lines: string[] = [];
  const reported = new Set<string>();
  for (const module of modules) {
    if (module.buildId === null) lines.push(`Module ${module.name} without build-id.`);
    const metadata = moduleMetadata(module);
    // systemd reports each module name's package once.
    if (metadata === undefined || reported.has(module.name)) continue;
    reported.add(module.name);
    lines.push(packageLine(module.name, metadata));
  }
  return lines;
}

/** `0x%016llx` */
function hex16(address: string): string {
  return `0x${BigInt(address).toString(16).padStart(16, '0')}`;
}

/**
 * The text systemd 252 appends to MESSAGE after "\n\n", byte for byte: the
 * "Module ..." lines, "Stack trace of thread N:" blocks of
 * `#%-2u 0x%016llx %s (%s + 0x%llx)` frames with a blank line between
 * threads, and "ELF object binary architecture: ...". Every line ends in "\n".
 */
export function formatStackText(trace: StackTrace): string {
  const lines = moduleLines(trace.modules);
  trace.threads.forEach((thread, i) => {
    if (i > 0) lines.push('');
    lines.push(`Stack trace of thread ${thread.tid}:`);
    thread.frames.forEach((frame, n) => {
      const offset = frame.offset === null ? '0x0' : `0x${BigInt(frame.offset).toString(16)}`;
      lines.push(
        `#${String(n).padEnd(2)} ${hex16(frame.pc)} ${frame.function ?? 'n/a'} (${frame.module ?? 'n/a'} + ${offset})`,
      );
    });
  });
  if (trace.architecture !== null) {
    lines.push(`ELF object binary architecture: ${trace.architecture}`);
  }
  return lines.map((line) => `${line}\n`).join('');
}
