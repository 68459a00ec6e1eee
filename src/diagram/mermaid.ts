import type { AnyStateMachine, AnyStateNode } from 'xstate';

/**
 * Draws a machine as a Mermaid `stateDiagram-v2`, straight from its definition: nested and parallel states,
 * every transition with a target, labelled with its event, delay (`after connectTimeout`), actor outcome
 * (`done: fetchToken`) and guard. The README's diagram is this output; a test keeps the two equal.
 */
export function toMermaid(machine: AnyStateMachine): string {
  const lines = ['stateDiagram-v2'];
  const edges: string[] = [];
  const visit = (node: AnyStateNode, indent: string) => {
    const children = Object.values(node.states) as AnyStateNode[];
    if (node.initial && node.type === 'compound') {
      for (const target of node.initial.target) lines.push(`${indent}[*] --> ${idOf(target)}`);
    }
    children.forEach((child, index) => {
      if (node.type === 'parallel' && index > 0) lines.push(`${indent}--`);
      if (child.type === 'compound' || child.type === 'parallel') {
        lines.push(`${indent}state ${idOf(child)} {`);
        visit(child, `${indent}  `);
        lines.push(`${indent}}`);
      } else if (child.key !== idOf(child)) {
        lines.push(`${indent}state "${child.key}" as ${idOf(child)}`);
      }
      if (child.type === 'final') lines.push(`${indent}${idOf(child)} --> [*]`);
    });
    for (const child of children) collectEdges(child, edges);
  };
  visit(machine.root, '  ');
  return [...lines, ...edges.map((edge) => `  ${edge}`)].join('\n');
}

function collectEdges(node: AnyStateNode, edges: string[]): void {
  const transitions = [...[...node.transitions.values()].flat(), ...(node.always ?? [])];
  for (const transition of transitions) {
    if (!transition.target) continue;
    const guard = transition.guard ? ` [${guardName(transition.guard)}]` : '';
    for (const target of transition.target) {
      edges.push(`${idOf(node)} --> ${idOf(target)} : ${eventLabel(transition.eventType)}${guard}`);
    }
  }
}

/** Mermaid ids must be unique across the diagram, so nested states are named by their path. */
function idOf(node: AnyStateNode): string {
  return node.path.length === 0 ? node.machine.id : node.path.join('_');
}

export function eventLabel(eventType: string): string {
  if (eventType === '') return 'always';
  const after = /^xstate\.after\.([^.]+)\./.exec(eventType);
  if (after) return `after ${after[1]}`;
  const done = /^xstate\.done\.actor\.(.+)$/.exec(eventType);
  if (done) return `done: ${done[1]}`;
  const error = /^xstate\.error\.actor\.(.+)$/.exec(eventType);
  if (error) return `error: ${error[1]}`;
  return eventType;
}

function guardName(guard: unknown): string {
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') {
    // and()/or()/not() from xstate are functions named after themselves that carry their operands.
    const { name, guards } = guard as { name?: string; guards?: unknown[] };
    if (Array.isArray(guards) && name === 'not') return `!${guardName(guards[0])}`;
    if (Array.isArray(guards) && (name === 'and' || name === 'or')) return guards.map(guardName).join(name === 'and' ? ' && ' : ' || ');
    return name || 'guard';
  }
  const { type } = guard as { type?: unknown };
  if (typeof type === 'string') return type;
  return 'guard';
}
