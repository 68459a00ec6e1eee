import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { runCli as startCli, type CliRun } from '../support/cli.js';

describe('zoom-ws visualize', () => {
  // A failed assertion must not leave a server running after the test process is gone.
  const runs: CliRun[] = [];
  const runCli = (args: string[]) => {
    const run = startCli(args);
    runs.push(run);
    return run;
  };
  afterEach(() => {
    for (const run of runs.splice(0)) if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
  });

  it.each([
    [['--port', 'abc'], /--port must be a whole number of \(port\), got "abc"/],
    [['--port', '70000'], /--port must be between 0 and 65535 \(port\), got 70000/],
    [['--attach=yes'], /--attach takes no value/],
    [['--frobnicate'], /unknown flag --frobnicate/],
    [['extra'], /unexpected argument "extra"/],
  ])('exits 2 on bad arguments %j', async (args, message) => {
    const run = runCli(['visualize', ...args]);
    expect((await run.exit).code).toBe(2);
    expect(run.stderr()).toMatch(message);
  });

  it('exits 2 naming the port when it is taken', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const run = runCli(['visualize', '--attach', '--port', String(port)]);
      expect((await run.exit).code).toBe(2);
      expect(run.stderr()).toBe(`zoom-ws: port ${port} is in use; choose another with --port (0 picks a free one)\n`);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('--attach serves the page, accepts inspection sources, and on SIGTERM closes everything and exits 0', async () => {
    const run = runCli(['visualize', '--attach', '--port', '0']);
    await run.waitFor(() => run.stdoutLines().length > 0, 'the page URL');
    const url = new URL(run.stdoutLines()[0]!);
    expect(url.hostname).toBe('127.0.0.1');
    await run.waitFor(() => run.stderr().includes('inspect:'), 'the attach hint');
    expect(run.stderr()).toContain(`inspect: 'ws://127.0.0.1:${url.port}/inspect'`);
    expect((await fetch(url)).status).toBe(200);
    // A connected source must not hold the process open after the signal.
    const source = new WebSocket(`ws://127.0.0.1:${url.port}/inspect`);
    await new Promise((resolve, reject) => source.once('open', resolve).once('error', reject));
    const sourceClosed = new Promise((resolve) => source.once('close', resolve));
    run.child.kill('SIGTERM');
    const { code } = await run.exit;
    expect(code).toBe(0);
    expect(run.stderr()).toContain('SIGTERM: closing');
    await sourceClosed;
  });
});
