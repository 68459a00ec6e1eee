import elk, { type ElkExtendedEdge, type ElkNode } from 'elkjs/lib/elk.bundled.js';
import type { StatechartGraph, StateInfo, TransitionInfo } from './statechart-graph.js';

export interface Point {
  x: number;
  y: number;
}

export interface Box extends Point {
  width: number;
  height: number;
}

/** A state with its box in page coordinates (absolute, not relative to its parent). */
export interface PlacedState extends StateInfo, Box {}

/** A transition with its route; `initial` marks the arrow from a compound state's initial dot. */
export interface PlacedTransition extends TransitionInfo {
  kind: 'transition' | 'initial';
  points: Point[];
  labelBox: Box | undefined;
}

/** The dot an `initial` arrow starts from. */
export interface InitialMarker extends Point {
  id: string;
  parent: string;
}

/** Everything the page needs to draw the statechart; plain JSON. */
export interface DiagramLayout {
  width: number;
  height: number;
  rootId: string;
  states: PlacedState[];
  transitions: PlacedTransition[];
  initials: InitialMarker[];
}

/**
 * Text metrics of the page's stylesheet (`visualizer/style.css`: monospace, 12 px titles, 11 px labels). The
 * layout runs in Node, which cannot measure text: a monospace font makes the width a simple product.
 */
export const METRICS = { titleChar: 7.3, labelChar: 6.7, titleHeight: 26, lineHeight: 14, padding: 12, initialSize: 10 } as const;

const ROOT_OPTIONS = {
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.edgeLabels.placement': 'CENTER',
  'elk.spacing.nodeNode': '28',
  'elk.spacing.edgeLabel': '4',
  'elk.spacing.edgeEdge': '12',
  'elk.layered.spacing.nodeNodeBetweenLayers': '36',
  'elk.layered.spacing.edgeNodeBetweenLayers': '14',
  'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
  'elk.json.edgeCoords': 'ROOT',
} as const;

/**
 * Lays the statechart out with ELK's layered algorithm across the hierarchy (edges cross compound borders).
 * Build time only (`npm run layout`): ELK is a devDependency, and the page loads the result from
 * `visualizer/layouts/`.
 */
export async function layoutStatechart(graph: StatechartGraph): Promise<DiagramLayout> {
  // A CommonJS module that also sets `module.exports.default`: the one spelling TypeScript and Node agree on.
  const engine = new elk.default();
  const { root, edges } = toElkGraph(graph);
  // ELK crashes on `undefined` values: hand it plain JSON.
  const laidOut = (await engine.layout(JSON.parse(JSON.stringify({ ...root, edges })) as ElkNode)) as ElkNode;
  return fromElkGraph(graph, laidOut);
}

const lines = (state: StateInfo) => [...state.invokes, ...state.internal];
const textWidth = (text: string, perChar: number) => Math.ceil(text.length * perChar);

function toElkGraph(graph: StatechartGraph): { root: ElkNode; edges: ElkExtendedEdge[] } {
  const nodes = new Map<string, ElkNode>();
  const root: ElkNode = { id: '__layout', layoutOptions: ROOT_OPTIONS, children: [] };
  const edges: ElkExtendedEdge[] = [];
  for (const state of graph.states) {
    const extra = lines(state);
    const header = METRICS.titleHeight + extra.length * METRICS.lineHeight;
    const textBox = Math.max(textWidth(state.key, METRICS.titleChar), ...extra.map((line) => textWidth(line, METRICS.labelChar)));
    const node: ElkNode = state.type === 'atomic' || state.type === 'final' || state.type === 'history'
      ? { id: state.id, width: Math.max(72, textBox + 2 * METRICS.padding), height: header + 6 }
      : {
          id: state.id,
          children: [],
          layoutOptions: {
            'elk.padding': `[top=${header + 8},left=${METRICS.padding},bottom=${METRICS.padding},right=${METRICS.padding}]`,
            'elk.nodeSize.constraints': 'MINIMUM_SIZE',
            'elk.nodeSize.minimum': `(${textBox + 2 * METRICS.padding}, ${header + 20})`,
          },
        };
    nodes.set(state.id, node);
    const parent = state.parent === undefined ? root : nodes.get(state.parent)!;
    parent.children!.push(node);
    if (state.initial) {
      const marker = initialMarkerId(state.id);
      node.children!.push({ id: marker, width: METRICS.initialSize, height: METRICS.initialSize });
      edges.push({ id: `initial:${state.id}`, sources: [marker], targets: [state.initial] });
    }
  }
  for (const transition of graph.transitions) {
    edges.push({
      id: transition.id,
      sources: [transition.source],
      targets: [transition.target],
      labels: [{
        text: transition.labels.join('\n'),
        width: Math.max(...transition.labels.map((label) => textWidth(label, METRICS.labelChar))) + 6,
        height: transition.labels.length * METRICS.lineHeight + 4,
      }],
    });
  }
  return { root, edges };
}

function fromElkGraph(graph: StatechartGraph, laidOut: ElkNode): DiagramLayout {
  const boxes = new Map<string, Box>();
  const place = (node: ElkNode, offset: Point) => {
    const box = { x: offset.x + (node.x ?? 0), y: offset.y + (node.y ?? 0), width: node.width ?? 0, height: node.height ?? 0 };
    boxes.set(node.id, box);
    for (const child of node.children ?? []) place(child, box);
  };
  for (const child of laidOut.children ?? []) place(child, { x: 0, y: 0 });

  const byId = new Map(graph.transitions.map((transition) => [transition.id, transition]));
  const transitions: PlacedTransition[] = [];
  for (const edge of collectEdges(laidOut)) {
    const points = (edge.sections ?? []).flatMap((section) => [section.startPoint, ...(section.bendPoints ?? []), section.endPoint]);
    const label = edge.labels?.[0];
    const labelBox = label ? { x: label.x ?? 0, y: label.y ?? 0, width: label.width ?? 0, height: label.height ?? 0 } : undefined;
    const info = byId.get(edge.id);
    if (info) {
      transitions.push({ ...info, kind: 'transition', points, labelBox });
    } else {
      const target = edge.targets[0]!;
      const parent = edge.id.slice('initial:'.length);
      transitions.push({ id: edge.id, source: initialMarkerId(parent), target, labels: [], eventTypes: [], kind: 'initial', points, labelBox: undefined });
    }
  }
  const states = graph.states.map((state) => ({ ...state, ...boxes.get(state.id)! }));
  const initials = graph.states
    .filter((state) => state.initial !== undefined)
    .map((state) => {
      const box = boxes.get(initialMarkerId(state.id))!;
      return { id: initialMarkerId(state.id), parent: state.id, x: box.x + box.width / 2, y: box.y + box.height / 2 };
    });
  return { width: Math.ceil(laidOut.width ?? 0), height: Math.ceil(laidOut.height ?? 0), rootId: graph.rootId, states, transitions, initials };
}

/** With `edgeCoords: ROOT` every route is absolute, wherever ELK filed the edge in the hierarchy. */
function collectEdges(node: ElkNode): ElkExtendedEdge[] {
  return [...(node.edges ?? []), ...(node.children ?? []).flatMap(collectEdges)];
}

const initialMarkerId = (stateId: string) => `${stateId}.__initial`;
