import { afterEach, describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { RetriesExhaustedError, ZoomWsClient } from '../../src/index.js';
import { createHarness, delay, FAST_TIMINGS, sampleEvent, type Harness } from '../support/harness.js';

describe('reconnect and backoff (behaviour 5)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('socket error and close arriving together cause exactly one reconnect', async () => {
    // A server that answers the first connection with an invalid frame: ws then emits `error` and `close`.
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => server.once('listening', resolve));
    let connections = 0;
    server.on('connection', (socket: WebSocket & { _socket: Socket }) => {
      connections++;
      socket.send(JSON.stringify({ module: 'build_connection', success: true, content: 'ok', header: {} }));
      if (connections === 1) setTimeout(() => socket._socket.write(Buffer.from([0x8f, 0x00])), 20);
    });
    h = await createHarness();
    const port = (server.address() as { port: number }).port;
    const client = new ZoomWsClient({ ...h.sim.credentials, oauthUrl: h.sim.oauthUrl, wsUrl: `ws://127.0.0.1:${port}/ws`, ...FAST_TIMINGS, backoffInitial: 40, backoffMax: 40 });
    const states: string[] = [];
    client.onStateChange(({ to }) => states.push(to));
    try {
      await client.start();
      await h.until(() => connections === 2 && client.state === 'open', 2_000, 'reconnected');
      await delay(150);
      expect(states.filter((state) => state === 'backoff')).toHaveLength(1);
      expect(connections).toBe(2);
    } finally {
      await client.stop();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('drops with various close codes all reconnect, and events flow after each', async () => {
    h = await createHarness();
    await h.client.start();
    let n = 0;
    for (const fault of [() => h!.sim.faults.drop(), () => h!.sim.faults.close(1001, 'going away'), () => h!.sim.faults.close(4000, 'custom'), () => h!.sim.faults.close(1011)]) {
      fault();
      await h.reach('backoff');
      await h.reach('open');
      h.sim.emit(sampleEvent(n++));
      await h.until(() => h!.events.length === n);
    }
    expect(h.client.stats.reconnects).toBe(4);
  });

  it('maxAttempts consecutive failures end in failed with RetriesExhaustedError', async () => {
    h = await createHarness({ maxAttempts: 3 });
    h.sim.faults.failTokenRequests(10, { status: 500 });
    const error = await h.client.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect((error as RetriesExhaustedError).attempts).toBe(3);
    expect(h.sim.stats.tokenRequests).toBe(3);
    expect(h.client.state).toBe('failed');
  });

  it('the attempt counter resets only after the connection stayed open for stablePeriod', async () => {
    h = await createHarness({ backoffInitial: 40, backoffMax: 1_000, stablePeriod: 200 });
    await h.client.start();
    const retryAttempts = () => h!.logs.filter((line) => line.message.startsWith('Retrying')).map((line) => Number(/in (\d+) ms \(attempt (\d+)/.exec(line.message)![2]));
    for (let i = 0; i < 2; i++) {
      h.sim.faults.drop();
      await h.reach('backoff');
      await h.reach('open');
    }
    expect(retryAttempts()).toEqual([1, 2]);
    await delay(260);
    h.sim.faults.drop();
    await h.reach('backoff');
    await h.reach('open');
    expect(retryAttempts()).toEqual([1, 2, 1]);
  });
});
