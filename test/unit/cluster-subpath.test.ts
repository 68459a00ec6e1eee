import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Every module (relative files and packages) reachable from `entry` through static imports. */
function reachable(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(file, 'utf8');
    // Static imports and re-exports only: `import type` is erased, dynamic imports load on demand.
    for (const match of source.matchAll(/^(?:import|export)\s+(?!type\b)[^'"]*?from\s+'([^']+)'/gm)) {
      const specifier = match[1]!;
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else packages.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!);
    }
  };
  visit(entry);
  return { files, packages };
}

describe('zoom-ws/cluster stays behind its subpath', () => {
  it('the plain zoom-ws entry never loads redis or the cluster code', () => {
    const { files, packages } = reachable(resolve(root, 'src/index.ts'));
    expect([...packages]).not.toContain('redis');
    expect([...files].filter((file) => file.includes('/src/cluster/'))).toEqual([]);
  });

  it('zoom-ws/cluster is exported from package.json and reaches the replica', () => {
    const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { exports: Record<string, { default: string }> };
    expect(pkg.exports['./cluster']?.default).toBe('./dist/src/cluster/index.js');
    const { files, packages } = reachable(resolve(root, 'src/cluster/index.ts'));
    expect(packages).toContain('redis');
    expect([...files].some((file) => file.endsWith('machines/replica.machine.ts'))).toBe(true);
  });
});
