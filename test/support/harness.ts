import { afterEach } from 'vitest';
import type { Outage } from '../../machines/connection.types.js';
import { ZoomWsClient, type ZoomEvent, type ZoomWsClientOptions } from '../../src/index.js';
import type { ConnectionState } from '../../src/client/connection-state.js';
import { createZoomSimulator, type ZoomSimulator, type ZoomSimulatorOptions } from '../../src/simulator/index.js';

/** Short timings so that every lifecycle path runs in milliseconds on loopback. */
export const FAST_TIMINGS = {
  heartbeatInterval: 40,
  heartbeatTimeout: 120,
  backoffInitial: 10,
  backoffMax: 80,
  connectTimeout: 400,
  tokenTimeout: 400,
  stablePeriod: 300,
  displacedDelay: 150,
  closeTimeout: 200,
} satisfies Partial<ZoomWsClientOptions>;

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
}

export interface Harness {
  sim: ZoomSimulator;
  client: ZoomWsClient;
  events: ZoomEvent[];
  logs: LogLine[];
  states: ConnectionState[];
  outages: Outage[];
  /** Resolves when the client is in `state` or enters it after this call. */
  reach(state: ConnectionState, timeoutMs?: number): Promise<void>;
  /** Resolves when `predicate` holds, polled on each event-loop turn of a 5 ms timer. */
  until(predicate: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  stop(): Promise<void>;
}

export async function createHarness(clientOptions: Partial<ZoomWsClientOptions> = {}, simOptions: ZoomSimulatorOptions = {}): Promise<Harness> {
  const sim = await createZoomSimulator(simOptions);
  const logs: LogLine[] = [];
  const logger = {
    debug: (message: string) => logs.push({ level: 'debug', message }),
    info: (message: string) => logs.push({ level: 'info', message }),
    warn: (message: string) => logs.push({ level: 'warn', message }),
    error: (message: string) => logs.push({ level: 'error', message }),
  };
  const client = new ZoomWsClient({
    ...sim.credentials,
    oauthUrl: sim.oauthUrl,
    wsUrl: sim.wsUrl,
    ...FAST_TIMINGS,
    logger,
    ...clientOptions,
  });
  const events: ZoomEvent[] = [];
  const states: ConnectionState[] = [client.state];
  const outages: Outage[] = [];
  client.on('*', (event) => {
    events.push(event);
  });
  client.onOutage((outage) => outages.push(outage));
  const waiters = new Set<() => void>();
  client.onStateChange(({ to }) => {
    states.push(to);
    for (const waiter of waiters) waiter();
  });
  const until = (predicate: () => boolean, timeoutMs = 5_000, what = 'condition') =>
    new Promise<void>((resolve, reject) => {
      if (predicate()) return resolve();
      const started = Date.now();
      const timer = setInterval(() => {
        if (predicate()) {
          clearInterval(timer);
          resolve();
        } else if (Date.now() - started > timeoutMs) {
          clearInterval(timer);
          reject(new Error(`timed out waiting for ${what}; states: ${states.join(' → ')}`));
        }
      }, 5);
    });
  const reach = (state: ConnectionState, timeoutMs = 5_000) => {
    const from = states.length;
    return until(() => client.state === state || states.slice(from).includes(state), timeoutMs, `state ${state}`);
  };
  return {
    sim,
    client,
    events,
    logs,
    states,
    outages,
    reach,
    until,
    async stop() {
      await client.stop();
      await sim.stop();
    },
  };
}

export function sampleEvent(n: number, name = 'meeting.participant_joined'): { event: string; event_ts: number; payload: { account_id: string; object: { id: number; uuid: string; host_id: string; seq: number } } } {
  return { event: name, event_ts: 1_700_000_000_000 + n, payload: { account_id: 'sim-account', object: { id: 1000 + n, uuid: `uuid-${n}`, host_id: 'host', seq: n } } };
}

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A harness factory for a `describe` block: whatever it created is stopped after each test. */
export function useHarness(): (clientOptions?: Partial<ZoomWsClientOptions>, simOptions?: ZoomSimulatorOptions) => Promise<Harness> {
  let current: Harness | undefined;
  afterEach(async () => {
    await current?.stop();
    current = undefined;
  });
  return async (clientOptions, simOptions) => {
    current = await createHarness(clientOptions, simOptions);
    return current;
  };
}
