import type { ConnectionState } from './connection-state.js';

/** What a liveness/readiness probe needs to know. Times are epoch ms. */
export interface ClientHealth {
  /**
   * False only when the client cannot recover by itself: it `failed`, or it is wedged — stuck in one state
   * (or open without a frame) for far longer than its timings allow. Restarting the process is the remedy.
   */
  live: boolean;
  /** The subscription is live: events are being delivered (`state === 'open'`). */
  ready: boolean;
  state: ConnectionState;
  /** Last frame of any kind from Zoom (event, heartbeat answer, skipped frame, build_connection). */
  lastFrameAt: number | undefined;
  /** Last event delivered. */
  lastEventAt: number | undefined;
  /** Start of the outage in progress (the last sign of life before it), if there is one. */
  openOutageSince: number | undefined;
}

/** The timings a state may take; beyond twice them (plus slack) the client counts as wedged. */
export interface HealthTimings {
  heartbeatInterval: number;
  heartbeatTimeout: number;
  connectTimeout: number;
  tokenTimeout: number;
  closeTimeout: number;
}

export interface HealthInput {
  state: ConnectionState;
  /** When the current state was entered. */
  stateSince: number;
  lastFrameAt: number | undefined;
  lastEventAt: number | undefined;
  openOutageSince: number | undefined;
  /** What the current backoff waits. */
  retryDelay: number;
  timings: HealthTimings;
  now: number;
}

/** Room for a loaded event loop and a slow provider before "slow" becomes "wedged". */
const WEDGE_SLACK_MS = 5_000;

export function assessHealth(input: HealthInput): ClientHealth {
  return {
    live: input.state !== 'failed' && !isWedged(input),
    ready: input.state === 'open',
    state: input.state,
    lastFrameAt: input.lastFrameAt,
    lastEventAt: input.lastEventAt,
    openOutageSince: input.openOutageSince,
  };
}

function isWedged({ state, stateSince, lastFrameAt, retryDelay, timings, now }: HealthInput): boolean {
  const allowed = allowedTimeIn(state, timings, retryDelay);
  if (allowed === undefined) return false;
  // Open: the machine declares a connection dead after a heartbeat went unanswered; silence far beyond
  // that means the machine is no longer running its timers.
  const since = state === 'open' ? Math.max(stateSince, lastFrameAt ?? 0) : stateSince;
  return now - since > 2 * allowed + WEDGE_SLACK_MS;
}

function allowedTimeIn(state: ConnectionState, timings: HealthTimings, retryDelay: number): number | undefined {
  switch (state) {
    case 'open':
      return timings.heartbeatInterval + timings.heartbeatTimeout;
    case 'authenticating':
      return timings.tokenTimeout;
    case 'connecting':
      return timings.connectTimeout;
    case 'closing':
      return timings.closeTimeout;
    case 'backoff':
      return retryDelay;
    default:
      return undefined;
  }
}
