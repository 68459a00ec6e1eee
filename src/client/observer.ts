import type { ZoomEvent } from '../protocol/events.js';
import type { StaleNotice } from './silence-watchdog.js';
import type { TokenFetchResult } from './token-source.js';

/**
 * What a metrics collector (or any other observer) hears besides state changes and outages. Every method is
 * optional and called synchronously; without observers the client calls nothing. Keep `event` cheap: it runs
 * once per delivered event, before the handlers.
 */
export interface ClientObserver {
  /** A delivered (not duplicate) event, with its receive time (epoch ms). */
  event?(event: ZoomEvent, receivedAt: number): void;
  duplicate?(): void;
  /** A frame logged and skipped; `reason` is the human-readable text of the log line. */
  skipped?(reason: string): void;
  handlerError?(eventName: string): void;
  heartbeatRoundTrip?(ms: number): void;
  tokenFetch?(result: TokenFetchResult): void;
  rotation?(): void;
  stale?(notice: StaleNotice): void;
}
