/**
 * `zoom-ws/rivet`: a `@zoom/rivet` receiver fed by the Zoom event WebSocket, so a Rivet app keeps its
 * `webEventConsumer.event(...)` listeners and needs no public endpoint. `@zoom/rivet` itself is not loaded.
 *
 * @example
 * ```ts
 * const app = new MeetingsS2SAuthClient({ clientId, clientSecret, accountId, receiver: new ZoomWsReceiver({ accountId, clientId, clientSecret, subscriptionId }) });
 * ```
 */
export {
  ZoomWsReceiver,
  type ZoomWsReceiverClientOptions,
  type ZoomWsReceiverExistingClient,
  type ZoomWsReceiverOptions,
} from './websocket-receiver.js';
export type { RivetEventEmitter, RivetReceiver, RivetReceiverInitOptions } from './receiver-shape.js';
