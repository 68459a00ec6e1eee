/**
 * `zoom-ws/forward`: deliver WebSocket events to an existing webhook handler, signed as Zoom signs webhooks.
 *
 * @example
 * ```ts
 * const forwarder = createForwarder({ to: 'http://127.0.0.1:3000/zoom/webhook', secretToken: process.env.ZOOM_WEBHOOK_SECRET_TOKEN! });
 * client.onRaw((raw, event) => forwarder.push(raw, event.event));
 * ```
 */
export {
  createForwarder,
  IDEMPOTENCY_HEADER,
  type DeliveryOutcomeName,
  type DeliveryStatus,
  type Forwarder,
  type ForwarderOptions,
  type ForwarderStats,
} from './forwarder.js';
export { forwardingHandler } from './consumer-handler.js';
export { PermanentDeliveryError } from '../cluster/permanent-delivery-error.js';
export { deliver, isRetryable, retryAfterMs, RETRY_DEFAULTS, type DeliveryOutcome, type RetryPolicy } from './delivery.js';
export { eventFilter } from './filters.js';
export { signWebhook, webhookBody, zoomSignature, type SignedWebhook } from './signing.js';
export { idempotencyKey } from '../protocol/idempotency-key.js';
