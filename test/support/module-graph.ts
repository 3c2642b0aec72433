// What a module pulls in at load time: every specifier statically imported from
// an entry, transitively through relative imports (type-only imports excluded,
// since they vanish at build). Tests use it to keep native addons and heavy
// modules off a start-up path.
import { readFileSync } from 'node:fs';

const STATIC_IMPORT = /^\s*(?:import|export)\s+(?!type\b)[^'"]*?from\s+'([^']+)'/gm;

export function staticImports(entry: URL): Set<string> {
  const seen = new Set<string>();
  const specifiers = new Set<string>();
  const visit = (url: URL): void => {
    if (seen.has(url.href)) return;
    seen.add(url.href);
    for (const [, spec = ''] of readFileSync(url, 'utf8').matchAll(STATIC_IMPORT)) {
      specifiers.add(spec);
      if (spec.startsWith('.')) visit(new URL(spec.replace(/\.js$/, '.ts'), url));
    }
  };
  visit(entry);
  return specifiers;
}
