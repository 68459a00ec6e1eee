/** Marks the class across copies of this module (a bundle and `dist` both loaded), where `instanceof` fails. */
const BRAND = Symbol.for('zoom-ws.PermanentDeliveryError');

/**
 * Thrown by a {@link ZoomWsConsumer} handler to say that retrying this entry cannot help (the receiver answered
 * a final 4xx, the event is invalid for this application…). The consumer moves the entry to the dead-letter
 * stream and acknowledges it at once, with this error's message as the `error` field, counts it in
 * `stats.permanentFailures` and logs a warning — no redelivery, `maxDeliveries` does not apply. Any other error
 * means "try again": the entry stays pending and is redelivered after `claimIdle`.
 *
 * @example
 * ```ts
 * consumer.on('*', async (event, meta) => {
 *   const response = await post(meta.raw);
 *   if (response.status >= 400 && response.status < 500) throw new PermanentDeliveryError(`rejected with ${response.status}`);
 *   if (!response.ok) throw new Error(`status ${response.status}`); // redelivered
 * });
 * ```
 */
export class PermanentDeliveryError extends Error {
  override name = 'PermanentDeliveryError';
  readonly [BRAND] = true;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** Whether `error` is a {@link PermanentDeliveryError}, also one made by another copy of this module. */
export function isPermanentDeliveryError(error: unknown): error is PermanentDeliveryError {
  return error instanceof PermanentDeliveryError || (typeof error === 'object' && error !== null && (error as { [BRAND]?: unknown })[BRAND] === true);
}
