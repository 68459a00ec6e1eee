#!/usr/bin/env node
// Run by `npm test` before the build: the tests need Debian's `chromium` (browser tests of the visualizer;
// browsers cannot be downloaded by playwright here) and `redis-server` (cluster tests start their own).
// Present: says so. Missing, as root with apt-get: installs them, saying what it runs. Otherwise: fails at
// once with the exact command, rather than letting tests fail (or skip) one by one later.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const PACKAGES = [
  { name: 'chromium', command: process.env.CHROMIUM_PATH ?? 'chromium' },
  { name: 'redis-server', command: 'redis-server' },
];

/** The executable's path, from PATH unless it is a path already. */
function find(command) {
  const candidates = command.includes('/') ? [command] : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, command));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

const say = (line) => process.stdout.write(`prerequisites: ${line}\n`);
const missing = PACKAGES.filter((pkg) => find(pkg.command) === undefined);
if (missing.length === 0) {
  say(PACKAGES.map((pkg) => `${pkg.name} (${find(pkg.command)})`).join(', '));
  process.exit(0);
}

const names = missing.map((pkg) => pkg.name);
const install = ['apt-get', 'install', '-y', '--no-install-recommends', ...names];
const manual = `apt-get update && ${install.join(' ')}`;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot || find('apt-get') === undefined) {
  process.stderr.write(`prerequisites: missing ${names.join(', ')}. Install ${names.length === 1 ? 'it' : 'them'} and run npm test again:\n  ${isRoot ? '' : 'sudo '}${manual}\n`);
  process.exit(1);
}

for (const step of [['apt-get', 'update'], install]) {
  say(`missing ${names.join(', ')}: running ${step.join(' ')}`);
  const run = spawnSync(step[0], step.slice(1), { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (run.status !== 0) {
    process.stderr.write(`prerequisites: \`${step.join(' ')}\` failed (${run.error?.message ?? `exit ${run.status}`}); run it yourself:\n  ${manual}\n`);
    process.exit(1);
  }
}
const still = missing.filter((pkg) => find(pkg.command) === undefined).map((pkg) => pkg.name);
if (still.length > 0) {
  process.stderr.write(`prerequisites: ${still.join(', ')} still not found after apt-get install\n`);
  process.exit(1);
}
say(`installed ${names.join(', ')}`);
