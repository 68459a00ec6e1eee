import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ConnectionState } from '../../src/index.js';
import { useHarness, type Harness } from '../support/harness.js';
import { leakedHandles, liveHandles } from '../support/wait.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/stop-and-exit.mjs', import.meta.url));

describe('stop() (behaviour 9)', () => {
  const harness = useHarness();

  const bringTo: Record<string, (h: Harness) => Promise<void>> = {
    idle: async () => {},
    authenticating: async (h) => {
      h.sim.faults.slowTokenRequests(5_000);
      void h.client.start();
      await h.reach('authenticating');
    },
    connecting: async (h) => {
      h.sim.faults.hangUpgrades(1);
      void h.client.start();
      await h.reach('connecting');
    },
    open: async (h) => {
      await h.client.start();
    },
    backoff: async (h) => {
      h.sim.faults.failTokenRequests(1, { status: 500 });
      void h.client.start();
      await h.reach('backoff');
    },
  };

  it.each(Object.keys(bringTo))('from %s: reaches closed, is idempotent, and leaves no socket or timer', async (state) => {
    const baseline = liveHandles();
    const h = await harness({ backoffInitial: 5_000, backoffMax: 5_000, connectTimeout: 5_000 });
    await bringTo[state]!(h);
    expect(h.client.state).toBe(state as ConnectionState);
    const started = h.client.start().catch((error: unknown) => error);
    await Promise.all([h.client.stop(), h.client.stop()]);
    await h.client.stop();
    expect(h.client.state).toBe('closed');
    expect(h.states.at(-1)).toBe('closed');
    expect(h.states.filter((s) => s === 'closed')).toHaveLength(1);
    if (state !== 'open') expect(await started).toMatchObject({ name: 'ClientStoppedError' });
    await h.sim.stop();
    expect(await leakedHandles(baseline)).toEqual([]);
  });

  it('closes an open socket with code 1000', async () => {
    const h = await harness();
    await h.client.start();
    const closes: { code: number }[] = [];
    h.sim.on('close', (info) => closes.push(info));
    await h.client.stop();
    await h.until(() => closes.length === 1);
    expect(closes[0]!.code).toBe(1000);
  });

  it('works with `await using`', async () => {
    const h = await harness();
    const client = h.client;
    {
      await using disposable = client;
      await disposable.start();
    }
    expect(client.state).toBe('closed');
  });

  it.each(['idle', 'authenticating', 'connecting', 'open', 'backoff'])('a process that stopped the client in %s exits by itself', async (state) => {
    const child = spawn(process.execPath, ['--unhandled-rejections=strict', FIXTURE, state], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let stoppedAt = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
      if (stdout.includes('stopped')) stoppedAt ||= Date.now();
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => {
      const killer = setTimeout(() => child.kill('SIGKILL'), 8_000);
      child.on('exit', (exitCode) => {
        clearTimeout(killer);
        resolve(exitCode);
      });
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.trim()).toBe('stopped in closed');
    expect(Date.now() - stoppedAt).toBeLessThan(1_000);
  });
});
