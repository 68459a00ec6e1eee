import { afterEach, describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { clientMachine } from '../../src/client/client-machine.js';
import { ZoomAuthError } from '../../src/index.js';
import { createHarness, sampleEvent, type Harness } from '../support/harness.js';

// All clients run one shared provided machine; each one's actors find its own config through its actor system.
describe('many clients in one process', () => {
  const harnesses: Harness[] = [];
  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((h) => h.stop()));
  });
  const open = async (...args: Parameters<typeof createHarness>) => {
    const h = await createHarness(...args);
    harnesses.push(h);
    return h;
  };

  it('each client uses its own credentials, subscription and endpoints, and gets only its own events', async () => {
    const a = await open({}, { clientId: 'client-a', clientSecret: 'secret-a', subscriptionId: 'sub-a' });
    const b = await open({}, { clientId: 'client-b', clientSecret: 'secret-b', subscriptionId: 'sub-b' });
    await Promise.all([a.client.start(), b.client.start()]);
    a.sim.emit(sampleEvent(1));
    b.sim.emit(sampleEvent(2));
    b.sim.emit(sampleEvent(3));
    await a.until(() => a.events.length === 1 && b.events.length === 2);
    expect(a.events).toEqual([sampleEvent(1)]);
    expect(b.events).toEqual([sampleEvent(2), sampleEvent(3)]);
    expect(a.sim.connections().filter((c) => c.live).map((c) => c.subscriptionId)).toEqual(['sub-a']);
    expect(b.sim.connections().filter((c) => c.live).map((c) => c.subscriptionId)).toEqual(['sub-b']);
  });

  it("one client's failure and reconnects leave the other untouched", async () => {
    const good = await open();
    const bad = await open({ clientSecret: 'not-the-secret' });
    await good.client.start();
    await expect(bad.client.start()).rejects.toBeInstanceOf(ZoomAuthError);
    expect(bad.client.state).toBe('failed');
    good.sim.faults.drop();
    await good.reach('backoff');
    await good.reach('open');
    good.sim.emit(sampleEvent(4));
    await good.until(() => good.events.length === 1);
    expect(good.client.stats.reconnects).toBe(1);
    expect(bad.client.stats.reconnects).toBe(0);
  });

  it('the shared machine refuses to run outside a client, with an error that says so', async () => {
    const actor = createActor(clientMachine, {
      input: {
        timings: { heartbeatInterval: 1000, heartbeatTimeout: 1000, backoffInitial: 10, backoffMax: 10, refreshMargin: 0, connectTimeout: 1000, stablePeriod: 1000, displacedDelay: 1000, closeTimeout: 100, maxAttempts: 1 },
      },
    });
    const failed = new Promise<unknown>((resolve) => actor.subscribe({ error: resolve, complete: () => resolve(actor.getSnapshot().context.lastFailure?.detail) }));
    actor.start();
    actor.send({ type: 'START' });
    const outcome = await failed;
    actor.stop();
    expect(String(outcome instanceof Error ? outcome.message : outcome)).toMatch(/runs only inside a ZoomWsClient/);
  });
});
