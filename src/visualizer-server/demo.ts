import { ZoomWsClient } from '../client/client.js';
import { createEventScenario, createZoomSimulator, type ZoomSimulator } from '../simulator/index.js';
import type { ZoomEventInput } from '../simulator/types.js';
import type { ServerMessage } from './inspection-hub.js';

/**
 * Client timings of the visualizer's demo: short enough that every fault shows its path within seconds
 * (a drop is back `open` in about half a second, a stall is declared dead after 2 s of silence).
 */
export const DEMO_TIMINGS = {
  heartbeatInterval: 2_000,
  heartbeatTimeout: 2_000,
  backoffInitial: 500,
  backoffMax: 4_000,
  connectTimeout: 3_000,
  tokenTimeout: 3_000,
  stablePeriod: 10_000,
  // With the demo's 60 s tokens: refresh after 40 s, and a reconnect within that reuses the token.
  refreshMargin: 20_000,
  // Zoom's real wait after "Connected in another place" is long; a demo would look stuck.
  displacedDelay: 3_000,
  closeTimeout: 1_000,
} as const;

/** Token lifetime of the demo's simulator: a make-before-break refresh every 40 s (`refreshMargin` before expiry). */
export const DEMO_TOKEN_TTL_SECONDS = 60;

/** The page's fault buttons (`data-fault`) and the sample-event button, each mapped to the simulator. */
export const DEMO_COMMANDS = ['drop', 'stall', 'revoke-token', 'token-error', 'displace', 'emit-event'] as const;
export type DemoCommand = (typeof DEMO_COMMANDS)[number];

export interface Demo {
  readonly simulator: ZoomSimulator;
  readonly client: ZoomWsClient;
  /** Acts on the simulator; returns what happened, for the page. */
  run(command: string): string;
  /** Stops the client (it flushes its last inspection messages), then the simulator. */
  stop(): Promise<void>;
}

/**
 * The visualizer's default mode: the embedded Zoom simulator and a client attached to the visualizer
 * through the same `inspect` URL a user's service would use.
 */
export async function startDemo(inspectUrl: string, broadcast: (message: ServerMessage) => void): Promise<Demo> {
  const simulator = await createZoomSimulator({ tokenTtlSeconds: DEMO_TOKEN_TTL_SECONDS });
  const client = new ZoomWsClient({ ...simulator.credentials, oauthUrl: simulator.oauthUrl, wsUrl: simulator.wsUrl, ...DEMO_TIMINGS, inspect: inspectUrl });
  const publishStats = () => broadcast({ type: 'zoom-ws.stats', stats: { ...client.stats } });
  client.on('*', (event) => {
    broadcast({ type: 'zoom-ws.client-event', name: event.event, at: Date.now() });
    publishStats();
  });
  client.onStateChange(publishStats);
  // Fails only if stopped first or on a fatal error: the page shows that through the statechart.
  client.start().catch(() => {});

  const samples = createEventScenario({ accountId: simulator.credentials.accountId });
  let next = 0;
  const sample = (): ZoomEventInput => {
    const event = samples[next++ % samples.length]!;
    return { ...event, event_ts: Date.now() };
  };

  const actions: Record<DemoCommand, () => string> = {
    drop: () => (simulator.faults.drop(), 'dropped every socket (the client sees 1006)'),
    stall: () => (simulator.faults.stall(), 'the open socket gets nothing more: dead after the heartbeat timeout'),
    'revoke-token': () => (simulator.faults.revokeTokens(), 'tokens revoked: the next heartbeat is rejected'),
    'token-error': () => (simulator.faults.failTokenRequests(2, { status: 503 }), 'the next 2 token requests fail with 503 (seen at the next refresh or reconnect)'),
    displace: () => (simulator.faults.displace(), 'another consumer took the subscription'),
    'emit-event': () => {
      const event = sample();
      const sockets = simulator.emit(event);
      return `${event.event} sent to ${sockets} socket(s)`;
    },
  };

  return {
    simulator,
    client,
    run(command) {
      const action = actions[command as DemoCommand];
      if (!action) throw new Error(`unknown command "${command}"`);
      return action();
    },
    async stop() {
      await client.stop();
      await simulator.stop();
    },
  };
}
