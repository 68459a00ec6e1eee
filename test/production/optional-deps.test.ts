import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs `code` in a fresh Node process with a loader hook that prints every module specifier resolved. */
function resolvedModules(code: string): string[] {
  const hook = `data:text/javascript,${encodeURIComponent(`export async function resolve(specifier, context, next) { process.stderr.write('RESOLVE ' + specifier + '\\n'); return next(specifier, context); }`)}`;
  const register = `import { register } from 'node:module'; register(${JSON.stringify(hook)});`;
  const result = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, '--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return result.stderr.split('\n').filter((line) => line.startsWith('RESOLVE ')).map((line) => line.slice(8));
}

describe('optional parts stay optional (built dist/)', () => {
  it('the plain client never loads prom-client; zoom-ws/metrics does', () => {
    const plain = resolvedModules(`const { ZoomWsClient } = await import('zoom-ws'); new ZoomWsClient({ accountId: 'a', clientId: 'b', clientSecret: 'c', subscriptionId: 'd' });`);
    expect(plain).toContain('zoom-ws');
    expect(plain).not.toContain('prom-client');
    const metrics = resolvedModules(`await import('zoom-ws/metrics');`);
    expect(metrics).toContain('prom-client');
  });
});
