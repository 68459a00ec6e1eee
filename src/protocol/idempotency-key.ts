import { createHash } from 'node:crypto';

/**
 * The identity of an event for de-duplication across sockets, replicas and webhook handlers: event name +
 * `event_ts` + the raw payload, as the single-process duplicate filter sees it. The raw inner JSON holds
 * exactly those (Zoom serialises the same event identically on every socket), so its hash is the key.
 */
export function idempotencyKey(innerEventJson: string): string {
  return createHash('sha256').update(innerEventJson).digest('hex');
}
