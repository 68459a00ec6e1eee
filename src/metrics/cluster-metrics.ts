import { Gauge, type Registry } from 'prom-client';

/**
 * What the cluster collector reads, structurally: a `ZoomWsCluster` (role, step-downs, fenced publishes) or a
 * consumer (lag, pending). Every field is optional, so the collector works with whichever the object has.
 */
export interface ClusterMetricsSource {
  readonly role?: string;
  readonly stats?: {
    stepDowns?: Record<string, number>;
    fencedPublishes?: number;
    published?: number;
    /** Consumer: entries in the stream not yet read by this group. */
    lag?: number;
    /** Consumer: entries delivered to the group but not acknowledged. */
    pending?: number;
    /** Last stream publish round trip in ms. */
    lastPublishLatencyMs?: number;
  };
}

export interface ClusterMetricsOptions {
  registry: Registry;
  /** @default 'zoom_ws_' */
  prefix?: string;
}

/**
 * Registers cluster gauges read at scrape time: role (1 for the current), step-downs by reason, fenced
 * publishes, events published, consumer lag and pending, publish latency. Counters of the source are exposed
 * as gauges of its running totals (the source owns them; a restarted replica starts again at 0).
 */
export function collectClusterMetrics(source: ClusterMetricsSource, options: ClusterMetricsOptions): void {
  const prefix = options.prefix ?? 'zoom_ws_';
  const registers = [options.registry];
  const gauge = (name: string, help: string, read: () => number | undefined) =>
    new Gauge({ name: prefix + name, help, registers, collect() {
      const value = read();
      if (value !== undefined) this.set(value);
    } });
  new Gauge({ name: `${prefix}cluster_role`, help: 'This replica\'s role: 1 for the current one', labelNames: ['role'], registers, collect() {
    for (const role of ['leading', 'standby']) this.set({ role }, source.role === role ? 1 : 0);
  } });
  new Gauge({ name: `${prefix}cluster_step_downs`, help: 'Times this replica stepped down, by reason (running total)', labelNames: ['reason'], registers, collect() {
    for (const [reason, count] of Object.entries(source.stats?.stepDowns ?? {})) this.set({ reason }, count);
  } });
  gauge('cluster_fenced_publishes', 'Publishes rejected because the lease was no longer ours (running total)', () => source.stats?.fencedPublishes);
  gauge('cluster_published_events', 'Events this replica appended to the stream (running total)', () => source.stats?.published);
  gauge('cluster_publish_latency_seconds', 'Round trip of the last stream publish', () => msToSeconds(source.stats?.lastPublishLatencyMs));
  gauge('consumer_lag', 'Stream entries not yet read by this consumer group', () => source.stats?.lag);
  gauge('consumer_pending', 'Entries delivered to the consumer group but not acknowledged', () => source.stats?.pending);
}

function msToSeconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000;
}
