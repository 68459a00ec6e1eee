import { ZoomWsClient } from '../client/client.js';
import type { StopResult } from '../client/drain.js';
import type { ZoomWsClientOptions } from '../client/options.js';
import { ZoomWsConfigError } from '../errors.js';
import type { ZoomEvent } from '../protocol/events.js';
import type { RivetEventEmitter, RivetReceiver, RivetReceiverInitOptions } from './receiver-shape.js';

/** Receive through a client this receiver creates: every {@link ZoomWsClientOptions} option, with its default. */
export type ZoomWsReceiverClientOptions = ZoomWsClientOptions & { client?: never };

/** Receive through a client you created (and may also subscribe to yourself). */
export interface ZoomWsReceiverExistingClient {
  /**
   * The client to receive through. `start()` starts it (a no-op if it is already started) and `stop()` stops it:
   * the Rivet app owns its lifecycle. Required in this form; no default.
   */
  client: ZoomWsClient;
}

/** Either the options of the {@link ZoomWsClient} to create, or `{ client }`. */
export type ZoomWsReceiverOptions = ZoomWsReceiverClientOptions | ZoomWsReceiverExistingClient;

/**
 * A `@zoom/rivet` receiver fed by the Zoom event WebSocket instead of an HTTP endpoint: pass it as the `receiver`
 * option of a Rivet client and the app's `webEventConsumer.event(name, listener)` listeners run for each event, with
 * the body Zoom sent, exactly as Rivet's own `HttpReceiver` and `AwsLambdaReceiver` call them
 * (`eventEmitter.emit(body.event, body)`). No port is opened.
 *
 * There is no signature to verify (no `webhooksSecretToken`): the events arrive on a socket this process opened
 * with its own OAuth token, not as requests anyone could send. Zoom's `endpoint.url_validation` challenge is an
 * HTTP-webhook matter and never comes over the socket.
 *
 * ```ts
 * const receiver = new ZoomWsReceiver({ accountId, clientId, clientSecret, subscriptionId });
 * const app = new MeetingsS2SAuthClient({ clientId, clientSecret, accountId, receiver });
 * app.webEventConsumer!.event('meeting.started', ({ payload }) => console.log(payload.object.topic));
 * await app.start();       // resolves once the subscription is live
 * // on shutdown: await receiver.stop();
 * ```
 */
export class ZoomWsReceiver implements RivetReceiver {
  /** The client events come through (created from the options, or the one passed as `client`). */
  readonly client: ZoomWsClient;
  #eventEmitter: RivetEventEmitter | undefined;
  #unsubscribe: (() => void) | undefined;

  /** @throws {ZoomWsConfigError} when a client option is missing or malformed. */
  constructor(options: ZoomWsReceiverOptions) {
    this.client = options.client !== undefined ? options.client : new ZoomWsClient(options as ZoomWsClientOptions);
  }

  /** False: like Rivet's Lambda receiver, this one serves no HTTP pages, so no OAuth install flow (`installerOptions`). */
  canInstall(): false {
    return false;
  }

  /** Called by the Rivet client's constructor with its event processor. */
  init({ eventEmitter }: RivetReceiverInitOptions): void {
    this.#eventEmitter = eventEmitter;
  }

  /**
   * Called by `app.start()`: subscribes to every event and starts the client. Resolves with the client once the
   * subscription is live; rejects as {@link ZoomWsClient.start} does (bad credentials, retries exhausted, stopped).
   * @throws {ZoomWsConfigError} when the receiver was not handed to a Rivet client (no event processor).
   */
  async start(): Promise<ZoomWsClient> {
    const emitter = this.#eventEmitter;
    if (!emitter) throw new ZoomWsConfigError('receiver', 'no Rivet event processor: pass the ZoomWsReceiver as the `receiver` option of a @zoom/rivet client with webhook events, then call app.start()');
    // A fresh object per listener call, as Rivet's HTTP receiver parses each request body: a Rivet listener that
    // edits the body must not change what the client's other handlers see. Returning the promise lets the client
    // count a listener's failure as a handler error and `stop({ drainTimeout })` wait for listeners still running.
    this.#unsubscribe ??= this.client.on('*', (event: ZoomEvent) => emitter.emit(event.event, structuredClone(event)));
    await this.client.start();
    return this.client;
  }

  /**
   * Stops receiving: unsubscribes and stops the client (sockets closed, timers cleared; see
   * {@link ZoomWsClient.stop}), waiting up to `drainTimeout` (default: the client's `drainTimeout` option, `0`) for
   * Rivet listeners still running. Idempotent. Rivet clients have no `stop()`: call it on the receiver.
   */
  async stop(options: { drainTimeout?: number } = {}): Promise<StopResult> {
    const result = await this.client.stop(options);
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    return result;
  }
}
