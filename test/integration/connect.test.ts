import { describe, expect, it } from 'vitest';
import { useHarness } from '../support/harness.js';

describe('connecting (behaviour 2)', () => {
  const harness = useHarness();

  it('opens with subscriptionId and access_token in the query, and only on build_connection success', async () => {
    const h = await harness();
    const issued: string[] = [];
    h.sim.on('token', ({ accessToken }) => issued.push(accessToken));
    h.sim.faults.refuseConnections(1, 'Subscription is being updated');
    await h.client.start();
    // The refused socket had the right query (the simulator refuses unknown subscriptions and bad tokens
    // with other wording), and the client waited in backoff instead of opening on the upgrade.
    expect(h.states).toEqual(['idle', 'authenticating', 'connecting', 'backoff', 'connecting', 'open']);
    expect(h.sim.stats.connectionsRefused).toBe(1);
    expect(h.sim.stats.connections).toBe(1);
    expect(issued).toHaveLength(1);
    expect(h.sim.stats.tokenRequests).toBe(1);
  });

  it.each(['Invalid Token', 'Token is invalid', 'token is empty', 'INVALID TOKEN', 'Your token has expired'])(
    'a token rejection "%s" discards the token and re-authenticates after a counted attempt',
    async (wording) => {
      const h = await harness({}, { rejectionWording: wording });
      await h.client.start();
      h.sim.faults.revokeTokens();
      h.sim.faults.drop();
      await h.reach('authenticating');
      await h.reach('open');
      expect(h.sim.stats.tokenRequests).toBe(2);
      const retries = h.logs.filter((line) => line.message.startsWith('Retrying'));
      expect(retries.at(-1)?.message).toMatch(/attempt 2\) after token-rejected/);
    },
  );

  it('a server that always rejects the token never loops hot', async () => {
    const h = await harness({ backoffInitial: 20, backoffMax: 100 });
    h.sim.faults.refuseConnections(1_000, 'Invalid Token');
    void h.client.start();
    await new Promise((resolve) => setTimeout(resolve, 600));
    // 20, 40, 80, 100, 100 … ms floors halve that: at most ~1 attempt per 10–50 ms, never hundreds.
    expect(h.sim.stats.tokenRequests).toBeGreaterThanOrEqual(3);
    expect(h.sim.stats.tokenRequests).toBeLessThan(20);
    // Each refused connection cost one fresh token; at most the latest token is still on its way to a dial.
    const inFlight = h.sim.stats.tokenRequests - h.sim.stats.connectionsRefused;
    expect(inFlight).toBeGreaterThanOrEqual(0);
    expect(inFlight).toBeLessThanOrEqual(1);
  });

  it('a refusal that is not about the token keeps the token and backs off', async () => {
    const h = await harness();
    h.sim.faults.refuseConnections(2, 'Subscription temporarily unavailable');
    await h.client.start();
    expect(h.sim.stats.tokenRequests).toBe(1);
    expect(h.states.filter((state) => state === 'backoff')).toHaveLength(2);
  });

  it('an upgrade that never completes hits the connect timeout and is retried', async () => {
    const h = await harness({ connectTimeout: 150 });
    h.sim.faults.hangUpgrades(1);
    const started = Date.now();
    await h.client.start();
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(h.logs.some((line) => /connect-timeout/.test(line.message))).toBe(true);
  });

  it.each([503, 401])('an upgrade refused with HTTP %i backs off and reconnects', async (status) => {
    const h = await harness();
    h.sim.faults.rejectUpgrades(1, status);
    await h.client.start();
    expect(h.states).toContain('backoff');
    // 401 on the upgrade means the token was not accepted: a fresh one is fetched.
    expect(h.sim.stats.tokenRequests).toBe(status === 401 ? 2 : 1);
  });

  it.each([
    ['Invalid Token', 2],
    ['Token is invalid', 2],
    ['server going away', 1],
  ])('an open socket closed with reason "%s" reconnects with %i token request(s) in all', async (reason, tokenRequests) => {
    const h = await harness();
    await h.client.start();
    h.sim.faults.close(4001, reason);
    await h.reach('backoff');
    await h.reach('open');
    // A token the server rejected in a close reason is discarded like one rejected in a frame.
    expect(h.sim.stats.tokenRequests).toBe(tokenRequests);
  });
});
