import type { AnyActorRef, InspectionEvent } from 'xstate';

/**
 * The wire format of `@statelyai/inspect` 0.7 (what its `createWebSocketInspector` sends and what Stately's
 * inspector and `createInspectorServer` relay understand), so a zoom-ws client can be attached to either the
 * bundled visualizer or Stately's tools. Every value in it has been through the redaction step: it is plain
 * JSON with no secret in it.
 */
export type InspectionMessage = InspectionActorMessage | InspectionEventMessage | InspectionSnapshotMessage;

/** Fields common to every {@link InspectionMessage}. */
export interface InspectionMessageBase {
  /** The actor the message is about (`actorRef.sessionId`, e.g. `x:0` for the connection machine). */
  sessionId: string;
  /** Session id of the root actor of the system (the client's connection machine). */
  rootId: string | undefined;
  /** Epoch milliseconds, as a string (as `@statelyai/inspect` sends it). */
  createdAt: string;
  id: string | null;
  /** Version of the `@statelyai/inspect` format. */
  _version: string;
}

/** An actor was created: the connection machine, a `socket-N`, `fetchToken`, `heartbeat`… */
export interface InspectionActorMessage extends InspectionMessageBase {
  type: '@xstate.actor';
  /** The actor's id (`zoomWs` for the connection machine). */
  name: string;
  /** Session id of the parent actor; `undefined` for the root. */
  parentId: string | undefined;
  /** The machine config as JSON (implementations shown by name), or `{"id":name}` for other actors. */
  definition: string | undefined;
  snapshot: InspectedSnapshot;
}

/** An event was sent to an actor. */
export interface InspectionEventMessage extends InspectionMessageBase {
  type: '@xstate.event';
  event: InspectedEvent;
  /** Session id of the sender; `undefined` for events sent from outside (`client.stop()` sending `STOP`). */
  sourceId: string | undefined;
}

/** An actor has a new snapshot, caused by `event`. */
export interface InspectionSnapshotMessage extends InspectionMessageBase {
  type: '@xstate.snapshot';
  event: InspectedEvent;
  snapshot: InspectedSnapshot;
}

/** An event as inspected: its `type` and its (redacted) payload. */
export interface InspectedEvent {
  type: string;
  [field: string]: unknown;
}

/** A snapshot as inspected (a machine snapshot's JSON form, redacted). */
export interface InspectedSnapshot {
  status?: 'active' | 'done' | 'error' | 'stopped';
  /** State value, e.g. `{"connection":{"open":{"liveness":"quiet","refresh":"scheduled"}}}`. */
  value?: unknown;
  context?: unknown;
  [field: string]: unknown;
}

/** The `@statelyai/inspect` release whose format this mirrors. */
export const INSPECTION_FORMAT_VERSION = '0.7.2';

type Redact = (value: unknown) => unknown;

/**
 * Converts one xstate inspection event into its wire form, synchronously (unlike `@statelyai/inspect`, which
 * defers each conversion to a timer: a deferred conversion misses the final snapshot when the client
 * releases its inspector on stop, and never runs under fake timers). Returns `undefined` for the event kinds
 * the format leaves out (`@xstate.microstep`, `@xstate.action`).
 */
export function toInspectionMessage(event: InspectionEvent, redact: Redact, now = Date.now()): InspectionMessage | undefined {
  const base = { sessionId: event.actorRef.sessionId, rootId: event.rootId, createdAt: String(now), id: null, _version: INSPECTION_FORMAT_VERSION };
  switch (event.type) {
    case '@xstate.actor': {
      const actor = event.actorRef as AnyActorRef & { logic?: { config?: unknown }; _parent?: AnyActorRef };
      const config = actor.logic?.config;
      const name = actor.id === actor.sessionId && isNamed(config) ? config.id : actor.id;
      return {
        ...base,
        type: '@xstate.actor',
        name,
        parentId: actor._parent?.sessionId,
        definition: JSON.stringify(redact(typeof config === 'object' && config !== null ? config : { id: name })),
        // The actor announces itself before its first snapshot exists.
        snapshot: (redact(safeSnapshot(actor)) as InspectedSnapshot | undefined) ?? { status: 'active' },
      };
    }
    case '@xstate.event':
      return { ...base, type: '@xstate.event', event: redact(event.event) as InspectedEvent, sourceId: event.sourceRef?.sessionId };
    case '@xstate.snapshot':
      return { ...base, type: '@xstate.snapshot', event: redact(event.event) as InspectedEvent, snapshot: redact(event.snapshot) as InspectedSnapshot };
    default:
      return undefined;
  }
}

function isNamed(config: unknown): config is { id: string } {
  return typeof config === 'object' && config !== null && typeof (config as { id?: unknown }).id === 'string';
}

function safeSnapshot(actor: AnyActorRef): unknown {
  try {
    return actor.getSnapshot();
  } catch {
    return undefined;
  }
}
