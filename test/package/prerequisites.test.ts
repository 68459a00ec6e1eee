import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../../scripts/ensure-prerequisites.mjs', import.meta.url));
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A PATH with only node (and what the test adds): no chromium, no redis-server, no apt-get. */
function bareBin(): string {
  const dir = mkdtempSync(join(tmpdir(), 'zoom-ws-prereq-'));
  dirs.push(dir);
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, 'node'));
  return bin;
}

const run = (bin: string, options: { uid?: number } = {}) =>
  spawnSync(join(bin, 'node'), [SCRIPT], { env: { PATH: bin }, encoding: 'utf8', timeout: 10_000, ...options });

describe('npm test prerequisites (scripts/ensure-prerequisites.mjs)', () => {
  it('says what it found when chromium and redis-server are there', () => {
    const bin = bareBin();
    for (const name of ['chromium', 'redis-server']) {
      writeFileSync(join(bin, name), '#!/bin/sh\n');
      chmodSync(join(bin, name), 0o755);
    }
    const result = run(bin);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`prerequisites: chromium (${bin}/chromium), redis-server (${bin}/redis-server)\n`);
  });

  it('without apt-get, fails at once naming the exact command', () => {
    const result = run(bareBin());
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('missing chromium, redis-server');
    expect(result.stderr).toContain('apt-get update && apt-get install -y --no-install-recommends chromium redis-server');
  });

  it('not as root, fails naming the command with sudo (and installs nothing)', () => {
    const bin = bareBin();
    chmodSync(dirname(bin), 0o755);
    writeFileSync(join(bin, 'apt-get'), `#!/bin/sh\necho "$@" >> ${dirname(bin)}/apt.log\n`);
    chmodSync(join(bin, 'apt-get'), 0o755);
    const result = run(bin, { uid: 65534 });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('sudo apt-get update && apt-get install -y --no-install-recommends chromium redis-server');
    expect(() => readFileSync(join(dirname(bin), 'apt.log'))).toThrow();
  });

  it('as root with apt-get, runs apt-get update and install, saying so', () => {
    const bin = bareBin();
    // A stand-in apt-get that records its arguments and "installs" by creating the executables.
    writeFileSync(join(bin, 'apt-get'), `#!/bin/sh\necho "$@" >> ${dirname(bin)}/apt.log\nif [ "$1" = install ]; then for p in chromium redis-server; do printf '#!/bin/sh\\n' > ${bin}/$p; /bin/chmod +x ${bin}/$p; done; fi\n`);
    chmodSync(join(bin, 'apt-get'), 0o755);
    const result = run(bin);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(readFileSync(join(dirname(bin), 'apt.log'), 'utf8')).toBe('update\ninstall -y --no-install-recommends chromium redis-server\n');
    expect(result.stdout).toContain('prerequisites: missing chromium, redis-server: running apt-get update\n');
    expect(result.stdout).toContain('running apt-get install -y --no-install-recommends chromium redis-server\n');
    expect(result.stdout).toContain('prerequisites: installed chromium, redis-server\n');
  });
});
