import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

type LockEntry = { version?: string; resolved?: string; integrity?: string; dev?: boolean; link?: boolean; [key: string]: unknown };

/**
 * A package-lock for a project that depends only on `tarball`, pinned to the versions (and integrity) of this
 * repository's lockfile. `npm ci --offline` then installs it from the npm cache alone: a bare
 * `npm install --offline <tarball>` would need cached registry metadata, which `npm ci` never stores.
 */
export function consumerLockfile(repoLockPath: string, tarball: string): { packageJson: string; lock: string } {
  const repo = JSON.parse(readFileSync(repoLockPath, 'utf8')) as { packages: Record<string, LockEntry> };
  const root = repo.packages['']!;
  const spec = `file:${tarball}`;
  const packages: Record<string, LockEntry> = {
    '': { name: 'consumer', dependencies: { 'zoom-ws': spec } },
    'node_modules/zoom-ws': {
      version: root.version,
      resolved: spec,
      integrity: `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`,
      dependencies: root.dependencies,
      peerDependencies: root.peerDependencies,
      peerDependenciesMeta: root.peerDependenciesMeta,
      bin: root.bin,
    },
  };
  // The runtime closure: every entry npm did not mark as dev-only (optional peers such as redis are dev here).
  for (const [path, entry] of Object.entries(repo.packages)) {
    if (!path.startsWith('node_modules/') || entry.dev || entry.link) continue;
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    packages[path] = { ...entry, resolved: entry.resolved ?? `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${entry.version}.tgz` };
  }
  return {
    packageJson: JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { 'zoom-ws': spec } }),
    lock: JSON.stringify({ name: 'consumer', lockfileVersion: 3, requires: true, packages }, null, 2),
  };
}
