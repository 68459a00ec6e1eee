/**
 * The parts of `@zoom/rivet`'s `Receiver` contract (0.4) that a receiver touches, declared here so that
 * `zoom-ws/rivet` needs no `@zoom/rivet` at runtime or in its published types: a Rivet client accepts any object of
 * this shape as its `receiver` option.
 */

/**
 * Rivet's event processor (`app.webEventConsumer`): its `emit(name, body)` runs every listener registered with
 * `app.webEventConsumer.event(name, …)` (or `filteredEvent`) and resolves once they all settled.
 */
export interface RivetEventEmitter {
  emit(eventName: string, payload: unknown): Promise<void>;
}

/** What a Rivet client passes to `receiver.init()` from its constructor. */
export interface RivetReceiverInitOptions {
  /** The client's event processor; absent for products without webhook events. */
  eventEmitter?: RivetEventEmitter | undefined;
  /** Set for OAuth (interactive) clients; only receivers that serve the install flow use it. */
  interactiveAuth?: unknown;
}

/** Rivet's `Receiver`: `canInstall`, `init`, `start` (called by `app.start()`) and `stop`. */
export interface RivetReceiver {
  canInstall(): boolean;
  init(options: RivetReceiverInitOptions): void;
  start(...args: never[]): unknown;
  stop(...args: never[]): unknown;
}
