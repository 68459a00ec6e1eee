/**
 * The Redis layout of one subscription: a public contract (README, "Running several replicas"), so that
 * operators and consumers written in other languages can use it. Every key carries the subscription id as a
 * hash tag (`{S}`), so each script touches one Redis Cluster slot.
 */
export interface SubscriptionKeys {
  /** String `<replica id>|<fencing token>` with a TTL: who holds the Zoom connection. */
  lease: string;
  /** Stream of events; fields `event` (inner JSON as Zoom sent it), `key`, `replica`, `token`, `receivedAt`. */
  events: string;
  /** Stream of outages; fields `from`, `to` (epoch ms), `reason`, `detail`, `replica`. */
  outages: string;
  /** Dead-letter stream: entries a consumer group gave up on. */
  dead: string;
  /** The fencing counter; never expires. */
  fence: string;
  /**
   * Hash: holder, token, acquiredAt, liveSince, lastAliveAt, releasedAt, and era (Redis time it was first written:
   * a new era means Redis lost its data).
   */
  state: string;
  /** Prefix of the de-duplication markers (`seen:<key>` for events, `seen:outage:<…>` for outages, with an expiry). */
  seenPrefix: string;
  /** Pub/sub channel that wakes standbys when the lease is released (a hint only; never relied on). */
  wake: string;
}

/** The default key prefix (`--key-prefix`). */
export const DEFAULT_KEY_PREFIX = 'zoomws';

export function subscriptionKeys(prefix: string, subscriptionId: string): SubscriptionKeys {
  const base = `${prefix}:{${subscriptionId}}`;
  return {
    lease: `${base}:lease`,
    events: `${base}:events`,
    outages: `${base}:outages`,
    dead: `${base}:dead`,
    fence: `${base}:fence`,
    state: `${base}:state`,
    seenPrefix: `${base}:seen:`,
    wake: `${base}:wake`,
  };
}
