import { describe, expect, it } from 'vitest';
import type { DisplacementStyle } from '../../src/simulator/index.js';
import { useHarness, delay, sampleEvent } from '../support/harness.js';

describe('displaced by another consumer (behaviour 7)', () => {
  const harness = useHarness();

  it.each<DisplacementStyle>(['close-reason', 'frame', 'both'])('"Connected in another place" as %s: warns, waits displacedDelay, then tries again', async (displacementStyle) => {
    const h = await harness({ displacedDelay: 300, backoffInitial: 10 }, { displacementStyle });
    await h.client.start();
    const displacedAt = Date.now();
    h.sim.faults.displace();
    await h.reach('backoff');
    await h.reach('open');
    expect(Date.now() - displacedAt).toBeGreaterThanOrEqual(300);
    const warnings = h.logs.filter((line) => line.level === 'warn' && /Another consumer took the subscription/.test(line.message));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toMatch(/Connected in another place/);
    expect(h.sim.stats.upgrades).toBe(2);
  });
});

describe('outages (behaviour 8)', () => {
  const harness = useHarness();

  it('reports {from, to, reason} for each period the subscription was not live; events in it are the lost ones', async () => {
    const h = await harness({ backoffInitial: 150, backoffMax: 150 });
    await h.client.start();
    h.sim.emit(sampleEvent(0));
    await h.until(() => h.events.length === 1);
    const before = Date.now();
    h.sim.faults.drop();
    await h.reach('backoff');
    // Emitted while nobody is connected: Zoom would lose these; the outage must cover their times.
    const lostAt: number[] = [];
    for (let i = 1; i <= 3; i++) {
      if (h.sim.emit(sampleEvent(i)) === 0) lostAt.push(Date.now());
      await delay(10);
    }
    await h.reach('open');
    h.sim.emit(sampleEvent(4));
    await h.until(() => h.events.length === 2);
    expect(lostAt).toHaveLength(3);
    expect(h.outages).toHaveLength(1);
    const [outage] = h.outages;
    expect(outage).toMatchObject({ reason: 'closed', endedBy: 'reconnected' });
    expect(outage!.detail).toMatch(/1006/);
    // The outage starts at the last sign of life (the last frame received), not when the drop was noticed:
    // whatever Zoom dropped in between is inside it.
    expect(outage!.from).toBeLessThanOrEqual(before);
    for (const at of lostAt) {
      expect(at).toBeGreaterThanOrEqual(outage!.from);
      expect(at).toBeLessThanOrEqual(outage!.to);
    }
    expect(h.client.outages).toEqual(h.outages);
    expect(h.client.stats.outages).toBe(1);
  });

  it('an outage still in progress when the client stops is reported as ended by stop', async () => {
    const h = await harness({ backoffInitial: 5_000, backoffMax: 5_000 });
    await h.client.start();
    h.sim.faults.drop();
    await h.reach('backoff');
    await h.client.stop();
    expect(h.outages).toMatchObject([{ reason: 'closed', endedBy: 'stopped' }]);
  });

  it('no outage is reported before the subscription was ever live', async () => {
    const h = await harness();
    h.sim.faults.failTokenRequests(2, { status: 500 });
    h.sim.faults.refuseConnections(1, 'busy');
    await h.client.start();
    expect(h.outages).toEqual([]);
  });
});
