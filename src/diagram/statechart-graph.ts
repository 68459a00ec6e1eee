import type { AnyStateMachine, AnyStateNode } from 'xstate';

/** One state of the machine, as drawn. */
export interface StateInfo {
  /** xstate state id, e.g. `zoomWs.connection.open.liveness.quiet`; the page's `data-state`. */
  id: string;
  /** Last segment of the id: what the box is labelled with. */
  key: string;
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  parent: string | undefined;
  /** Initial child of a compound state. */
  initial: string | undefined;
  /** Actors invoked while in the state (`invoke fetchToken`). */
  invokes: string[];
  /** Transitions without a target (they run actions only), e.g. `after stablePeriod`. */
  internal: string[];
}

/**
 * One arrow: every transition from `source` to `target`, one line each (fewer, better-placed arrows than
 * one per transition: `connecting → backoff` alone has three).
 */
export interface TransitionInfo {
  id: string;
  source: string;
  target: string;
  /** One per transition: `SOCKET.READY [fromActiveSocket]`, `after connectTimeout`, `done fetchToken`, `always [attemptsExhausted]`. */
  labels: string[];
  /** The event types that take it (`xstate.after.connectTimeout.zoomWs.connection.connecting`); `''` for `always`. */
  eventTypes: string[];
}

export interface StatechartGraph {
  rootId: string;
  /** Parents before children, in document order. */
  states: StateInfo[];
  transitions: TransitionInfo[];
}

/** Reads states and transitions from a machine definition (`machine.root`), with readable labels. */
export function statechartGraph(machine: AnyStateMachine): StatechartGraph {
  const states: StateInfo[] = [];
  const transitions: TransitionInfo[] = [];
  const visit = (node: AnyStateNode) => {
    const internal: string[] = [];
    const add = (label: string, eventType: string, targets: readonly AnyStateNode[] | undefined) => {
      if (!targets || targets.length === 0) {
        internal.push(label);
        return;
      }
      for (const target of targets) {
        const arrow = transitions.find((t) => t.source === node.id && t.target === target.id);
        if (arrow) {
          arrow.labels.push(label);
          arrow.eventTypes.push(eventType);
        } else {
          transitions.push({ id: `t${transitions.length}`, source: node.id, target: target.id, labels: [label], eventTypes: [eventType] });
        }
      }
    };
    for (const [eventType, candidates] of node.transitions) {
      for (const transition of candidates) add(withGuard(eventLabel(eventType, node.id), transition.guard), eventType, transition.target);
    }
    for (const transition of node.always ?? []) add(withGuard('always', transition.guard), '', transition.target);
    states.push({
      id: node.id,
      key: node.key,
      type: node.type,
      parent: node.parent?.id,
      initial: node.type === 'compound' ? node.initial.target[0]?.id : undefined,
      invokes: node.invoke.map((invoke) => (invoke.id === invoke.src ? `invoke ${invoke.id}` : `invoke ${invoke.src} as ${invoke.id}`)),
      internal,
    });
    for (const child of Object.values(node.states)) visit(child);
  };
  visit(machine.root);
  return { rootId: machine.root.id, states, transitions };
}

/** `xstate.after.connectTimeout.zoomWs.connection.connecting` → `after connectTimeout`; done/error of actors. */
export function eventLabel(eventType: string, sourceId: string): string {
  const after = 'xstate.after.';
  if (eventType.startsWith(after) && eventType.endsWith(`.${sourceId}`)) {
    return `after ${eventType.slice(after.length, -(sourceId.length + 1))}`;
  }
  const actorEvent = /^xstate\.(done|error)\.actor\.(.+)$/.exec(eventType);
  if (actorEvent) return `${actorEvent[1]} ${actorEvent[2]}`;
  return eventType;
}

function withGuard(label: string, guard: unknown): string {
  const text = guardLabel(guard);
  return text === undefined ? label : `${label} [${text}]`;
}

/** Named guards by name; `and`/`or`/`not` as `a && !b`; inline functions as their name (or `guard`). */
export function guardLabel(guard: unknown): string | undefined {
  if (guard === undefined || guard === null) return undefined;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'object' && typeof (guard as { type?: unknown }).type === 'string') return (guard as { type: string }).type;
  if (typeof guard === 'function') {
    const parts = (guard as { guards?: unknown[] }).guards?.map((inner) => guardLabel(inner) ?? 'guard');
    if (parts && guard.name === 'and') return parts.join(' && ');
    if (parts && guard.name === 'or') return parts.map((part) => (part.includes(' ') ? `(${part})` : part)).join(' || ');
    if (parts && guard.name === 'not') return `!${parts[0]!.includes(' ') ? `(${parts[0]})` : parts[0]}`;
    return guard.name || 'guard';
  }
  return 'guard';
}
