/** Ids of every state node of a machine, read straight from `machine.root` (what the page must draw). */
export function allStateIds(node: { id: string; states: Record<string, unknown> }): string[] {
  return [node.id, ...Object.values(node.states).flatMap((child) => allStateIds(child as typeof node))];
}
