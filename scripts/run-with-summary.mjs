#!/usr/bin/env node
// Runs vitest on one test folder and prints the suite's summary line as the very last line of output
// (vitest prints its own report after the tests, so the tests write the line to a file and we print it here).
//
//   node scripts/run-with-summary.mjs model   # vitest run test/model, then "transitions covered: …"
//   node scripts/run-with-summary.mjs soak    # vitest run test/soak,  then "faults: …, events: …, …"
// Workers run with --unhandled-rejections=strict. Extra arguments go to vitest.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const name = process.argv[2];
if (!name || !/^[a-z-]+$/.test(name)) {
  console.error('usage: run-with-summary.mjs <suite>   (runs test/<suite>)');
  process.exit(2);
}
// `test:soak -- --cluster` (or SOAK_CLUSTER=1): only the cluster chaos soak, with its own summary line.
const cluster = name === 'soak' && (process.argv.includes('--cluster') || process.env.SOAK_CLUSTER === '1');
const extra = process.argv.slice(3).filter((arg) => arg !== '--cluster');
// The plain soak is one file of test/soak; the cluster soak beside it runs only when asked for.
const target = cluster ? 'test/soak/cluster-soak.test.ts' : name === 'soak' ? 'test/soak/soak.test.ts' : `test/${name}`;
const summary = cluster ? 'cluster-soak' : name;
const dir = mkdtempSync(join(tmpdir(), 'zoom-ws-summary-'));
const vitest = join(process.cwd(), 'node_modules', 'vitest', 'vitest.mjs');
const child = spawn(process.execPath, [vitest, 'run', target, ...extra], {
  stdio: 'inherit',
  // An unhandled rejection anywhere in the workers is fatal, not a warning.
  env: { ...process.env, ...(cluster ? { SOAK_CLUSTER: '1' } : {}), ZOOM_WS_SUMMARY_DIR: dir, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --unhandled-rejections=strict`.trim() },
});
child.on('exit', (code, signal) => {
  let line;
  try {
    line = JSON.parse(readFileSync(join(dir, `${summary}.json`), 'utf8')).line;
  } catch {
    line = `${summary}: no summary was written (the suite did not finish)`;
  }
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`${line}\n`);
  process.exit(code ?? (signal ? 1 : 0));
});
