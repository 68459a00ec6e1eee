import type { InspectionEvent, Observer } from 'xstate';
import { toInspectionMessage, type InspectionMessage } from './inspection-message.js';
import { redactForInspection } from './redact.js';
import { WebSocketTransport } from './websocket-transport.js';

/**
 * Where inspection goes: the `ws://` / `wss://` URL of an inspection server (the zoom-ws visualizer, or
 * `createInspectorServer` from `@statelyai/inspect/server` for Stately's hosted inspector), or a function
 * called synchronously with each redacted message.
 */
export type InspectTarget = string | ((message: InspectionMessage) => void);

export interface RedactingInspectorOptions {
  /** Known secret values to scrub from every string (the client passes its secret and recent tokens). */
  secrets?: () => Iterable<string>;
  /** Told (once) when the target function throws or a message cannot be built. Default: ignored. */
  onError?: (error: unknown) => void;
}

/** An inspector for `createActor(logic, { inspect: inspector.inspect })`. */
export interface RedactingInspector {
  /** The observer to hand to xstate. It never throws into the actor. */
  readonly inspect: Observer<InspectionEvent>;
  /**
   * Stops inspecting: messages of the current step (the final snapshot included) still go out, later ones
   * do not; a WebSocket is flushed and closed. Resolves once nothing of the inspector is left. Idempotent.
   */
  stop(): Promise<void>;
}

/**
 * Inspection that is safe to leave on in a running service: every message is redacted (no `Secret`, no
 * token, no `access_token=` URL), a failing target never breaks the actor, and an unreachable URL never
 * keeps the process alive.
 */
export function createRedactingInspector(target: InspectTarget, options: RedactingInspectorOptions = {}): RedactingInspector {
  const redact = (value: unknown) => redactForInspection(value, { secrets: options.secrets });
  const transport = typeof target === 'string' ? new WebSocketTransport({ url: target }) : undefined;
  const deliver = typeof target === 'string' ? (message: InspectionMessage) => transport!.send(JSON.stringify(message)) : target;
  let reported = false;
  let accepting = true;
  let stopping: Promise<void> | undefined;

  const report = (error: unknown) => {
    if (reported) return;
    reported = true;
    try {
      options.onError?.(error);
    } catch {
      // An error reporter that throws must not reach the actor either.
    }
  };

  return {
    inspect: {
      next(event) {
        if (!accepting) return;
        try {
          const message = toInspectionMessage(event, redact);
          if (message) deliver(message);
        } catch (error) {
          report(error);
        }
      },
    },
    stop() {
      stopping ??= (async () => {
        // The client releases the inspector from the actor's `complete` observer; xstate reports the final
        // snapshot to inspectors right after that, in the same synchronous step. Let that step finish.
        await new Promise<void>((resolve) => setImmediate(resolve));
        accepting = false;
        await transport?.close();
      })();
      return stopping;
    },
  };
}
