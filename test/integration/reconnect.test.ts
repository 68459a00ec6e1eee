import { describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import { RetriesExhaustedError } from '../../src/index.js';
import { delay, sampleEvent, useHarness } from '../support/harness.js';
import { useRawZoomServer, zoomFrame } from '../support/raw-zoom-server.js';

describe('reconnect and backoff (behaviour 5)', () => {
  const harness = useHarness();
  const rawServer = useRawZoomServer();

  it('socket error and close arriving together cause exactly one reconnect', async () => {
    // The first connection gets an invalid frame (reserved opcode): ws then emits `error` and `close`.
    const raw = await rawServer((socket, index) => {
      // Answer heartbeats as Zoom does: the second connection must stay open on its own merits.
      socket.on('message', () => socket.send(zoomFrame('heartbeat', 'live')));
      if (index === 1) setTimeout(() => (socket as unknown as { _socket: Socket })._socket.write(Buffer.from([0x8f, 0x00])), 20);
    });
    const h = await harness({ wsUrl: raw.wsUrl, backoffInitial: 40, backoffMax: 40 });
    await h.client.start();
    await h.until(() => raw.server.clients.size === 1 && h.states.filter((state) => state === 'open').length === 2, 2_000, 'reconnected');
    await delay(150);
    expect(h.states.filter((state) => state === 'backoff')).toHaveLength(1);
    expect(h.logs.filter((line) => line.message.startsWith('Retrying'))).toHaveLength(1);
  });

  it('drops with various close codes all reconnect, and events flow after each', async () => {
    const h = await harness();
    await h.client.start();
    let n = 0;
    for (const fault of [() => h.sim.faults.drop(), () => h.sim.faults.close(1001, 'going away'), () => h.sim.faults.close(4000, 'custom'), () => h.sim.faults.close(1011)]) {
      fault();
      await h.reach('backoff');
      await h.reach('open');
      h.sim.emit(sampleEvent(n++));
      await h.until(() => h.events.length === n);
    }
    expect(h.client.stats.reconnects).toBe(4);
  });

  it('maxAttempts consecutive failures end in failed with RetriesExhaustedError', async () => {
    const h = await harness({ maxAttempts: 3 });
    h.sim.faults.failTokenRequests(10, { status: 500 });
    const error = await h.client.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect((error as RetriesExhaustedError).attempts).toBe(3);
    expect(h.sim.stats.tokenRequests).toBe(3);
    expect(h.client.state).toBe('failed');
  });

  it('the attempt counter resets only after the connection stayed open for stablePeriod', async () => {
    const h = await harness({ backoffInitial: 40, backoffMax: 1_000, stablePeriod: 200 });
    await h.client.start();
    const retryAttempts = () => h.logs.filter((line) => line.message.startsWith('Retrying')).map((line) => Number(/in (\d+) ms \(attempt (\d+)/.exec(line.message)![2]));
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
