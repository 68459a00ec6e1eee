import type { DeliveryHandler } from '../cluster/consumer.js';
import { PermanentDeliveryError } from '../cluster/permanent-delivery-error.js';
import type { Forwarder } from './forwarder.js';

/**
 * A `ZoomWsConsumer` handler that forwards each stream entry through `forwarder` (cluster mode): it resolves, so
 * the entry is acknowledged, once the target answered a 2xx (or the filters left the event out). A `rejected`
 * delivery (a 4xx other than 408/429) throws a {@link PermanentDeliveryError}: the entry goes to the dead-letter
 * stream at once, since redelivering would get the same answer. Any other outcome (`failed`, `overflow`,
 * `undelivered` at stop) throws a plain error: the entry stays pending, is redelivered after `claimIdle` and is
 * dead-lettered after `maxDeliveries`. The idempotency key is the entry's own (`meta.key`).
 *
 * @example
 * ```ts
 * consumer.on('*', forwardingHandler(createForwarder({ to, secretToken })));
 * ```
 */
export function forwardingHandler(forwarder: Forwarder): DeliveryHandler {
  return async (event, meta) => {
    const status = await forwarder.send(meta.raw, event.event, meta.key || undefined);
    if (status === undefined || status.outcome === 'delivered') return;
    if (status.outcome === 'rejected') throw new PermanentDeliveryError(`rejected by the target with status ${status.status} (a 4xx other than 408/429 is final)`);
    throw new Error(`not delivered: ${status.outcome}, status ${status.status}`);
  };
}
