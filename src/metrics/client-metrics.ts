import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Outage } from '../../machines/connection.types.js';
import type { ZoomWsClient } from '../client/client.js';
import type { ConnectionState } from '../client/connection-state.js';

/** Options of {@link collectClientMetrics}. */
export interface ClientMetricsOptions {
  /** Where the metrics are registered. @default a new Registry */
  registry?: Registry;
  /** Prefix of every metric name. @default 'zoom_ws_' */
  prefix?: string;
  /** Buckets of `event_lag_seconds` (receive time − `event_ts`). @default [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] */
  lagBuckets?: number[];
  /** Distinct event names counted one by one; the rest are counted as `other` (bounded label cardinality). @default 200 */
  maxEventNames?: number;
}

export interface MetricsHandle {
  readonly registry: Registry;
  /** The Prometheus text exposition of the registry. */
  metrics(): Promise<string>;
  /** Stops observing the client (the metrics stay registered). */
  detach(): void;
}

const STATES: readonly ConnectionState[] = ['idle', 'authenticating', 'connecting', 'open', 'closing', 'backoff', 'closed', 'failed'];
const DEFAULT_LAG_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const RTT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * A Prometheus collector for one client. Counters are fed by the client's observer hooks as things happen;
 * gauges (connected, state, outage in progress) are read when scraped. Loaded only through `zoom-ws/metrics`,
 * so the plain client never loads prom-client.
 */
export function collectClientMetrics(client: ZoomWsClient, options: ClientMetricsOptions = {}): MetricsHandle {
  const registry = options.registry ?? new Registry();
  const prefix = options.prefix ?? 'zoom_ws_';
  const maxEventNames = options.maxEventNames ?? 200;
  const registers = [registry];
  const counter = (name: string, help: string, labelNames: string[] = []) => new Counter({ name: prefix + name, help, labelNames, registers });

  new Gauge({ name: `${prefix}connected`, help: '1 while the subscription is live (state open), else 0', registers, collect() {
    this.set(client.state === 'open' ? 1 : 0);
  } });
  new Gauge({ name: `${prefix}state`, help: 'The lifecycle state: 1 for the current one', labelNames: ['state'], registers, collect() {
    for (const state of STATES) this.set({ state }, client.state === state ? 1 : 0);
  } });
  new Gauge({ name: `${prefix}open_outage_seconds`, help: 'Length of the outage in progress, 0 when none', registers, collect() {
    const since = client.health().openOutageSince;
    this.set(since === undefined ? 0 : Math.max(0, (Date.now() - since) / 1000));
  } });
  new Gauge({ name: `${prefix}last_event_timestamp_seconds`, help: 'Receive time of the last event (epoch seconds), 0 before the first', registers, collect() {
    this.set((client.health().lastEventAt ?? 0) / 1000);
  } });
  const reconnects = counter('reconnects_total', 'Times the subscription went live again after an outage, by the outage reason', ['reason']);
  const outages = counter('outages_total', 'Outages (periods without a live subscription after it had been live), by reason', ['reason']);
  const outageSeconds = counter('outage_seconds_total', 'Total length of ended outages, by reason', ['reason']);
  const events = counter('events_total', 'Events delivered, by event name', ['event']);
  const skipped = counter('skipped_frames_total', 'Frames logged and skipped, by reason', ['reason']);
  const duplicates = counter('duplicates_total', 'Events dropped as already delivered');
  const handlerErrors = counter('handler_errors_total', 'Handlers that threw or rejected, by event name', ['event']);
  const tokenFetches = counter('token_fetches_total', 'Token requests (or tokenProvider calls), by result', ['result']);
  const rotations = counter('rotations_total', 'Make-before-break token rotations completed');
  const stale = counter('stale_notices_total', 'maxEventSilence notices: an open connection delivered no event for too long');
  const heartbeat = new Histogram({ name: `${prefix}heartbeat_round_trip_seconds`, help: 'Heartbeat round trip', buckets: RTT_BUCKETS, registers });
  const lag = new Histogram({ name: `${prefix}event_lag_seconds`, help: 'Receive time minus event_ts, for events whose event_ts is a number', buckets: options.lagBuckets ?? DEFAULT_LAG_BUCKETS, registers });

  const eventNames = new Set<string>();
  const eventLabel = (name: string) => {
    if (eventNames.has(name)) return name;
    if (eventNames.size >= maxEventNames) return 'other';
    eventNames.add(name);
    return name;
  };
  const detachObserver = client.observe({
    event(event, receivedAt) {
      events.inc({ event: eventLabel(event.event) });
      const sentAt = (event as { event_ts?: unknown }).event_ts;
      if (typeof sentAt === 'number' && Number.isFinite(sentAt)) lag.observe(Math.max(0, receivedAt - sentAt) / 1000);
    },
    duplicate: () => duplicates.inc(),
    skipped: (reason) => skipped.inc({ reason: skipReason(reason) }),
    handlerError: (name) => handlerErrors.inc({ event: eventLabel(name) }),
    heartbeatRoundTrip: (ms) => heartbeat.observe(ms / 1000),
    tokenFetch: (result) => tokenFetches.inc({ result }),
    rotation: () => rotations.inc(),
    stale: () => stale.inc(),
  });
  const detachOutages = client.onOutage((outage: Outage) => {
    outages.inc({ reason: outage.reason });
    outageSeconds.inc({ reason: outage.reason }, Math.max(0, outage.to - outage.from) / 1000);
    if (outage.endedBy === 'reconnected') reconnects.inc({ reason: outage.reason });
  });
  return {
    registry,
    metrics: () => registry.metrics(),
    detach() {
      detachObserver();
      detachOutages();
    },
  };
}

/** A skip reason as a label: the log text without the variable part (`unknown module "x"` → `unknown module`). */
export function skipReason(reason: string): string {
  return reason.replace(/\s*\(.*$/, '').replace(/\s*"[^"]*"/g, '').trim() || 'other';
}
