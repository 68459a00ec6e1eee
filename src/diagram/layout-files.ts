import type { AnyStateMachine } from 'xstate';
import { layoutStatechart } from './layout.js';
import { statechartGraph } from './statechart-graph.js';

/** `visualizer/layouts/index.json`: which layouts exist, first the one a page draws before any actor shows up. */
export interface LayoutIndex {
  machines: Array<{ id: string; file: string }>;
}

export const LAYOUT_INDEX_FILE = 'index.json';

/** A machine id is a file name here; refuse one that could leave the folder or clash with the index. */
export function layoutFileName(machineId: string): string {
  if (!/^[A-Za-z][\w-]*$/.test(machineId) || `${machineId}.json` === LAYOUT_INDEX_FILE) {
    throw new Error(`machine id "${machineId}" cannot name a layout file (letters, digits, _ and -, starting with a letter)`);
  }
  return `${machineId}.json`;
}

/**
 * Lays out every machine and returns the files of `visualizer/layouts/` (file name → text). Depends only on
 * the machine definitions, so the same definitions always give the same text: what the staleness test compares.
 */
export async function renderLayoutFiles(machines: readonly AnyStateMachine[]): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const index: LayoutIndex = { machines: [] };
  for (const machine of machines) {
    const file = layoutFileName(machine.root.id);
    if (files.has(file)) throw new Error(`two machines have the id "${machine.root.id}"`);
    files.set(file, `${JSON.stringify(await layoutStatechart(statechartGraph(machine)), null, 1)}\n`);
    index.machines.push({ id: machine.root.id, file });
  }
  files.set(LAYOUT_INDEX_FILE, `${JSON.stringify(index, null, 2)}\n`);
  return files;
}
