// Draws a laid-out statechart (from /layouts/<machine id>.json, computed at build time) as SVG and marks active states and taken transitions.

const SVG = 'http://www.w3.org/2000/svg';

function el(name, attributes = {}, parent) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  parent?.appendChild(node);
  return node;
}

const round = (n) => Math.round(n * 10) / 10;

function pathOf(points) {
  return points.map((point, i) => `${i === 0 ? 'M' : 'L'}${round(point.x)},${round(point.y)}`).join(' ');
}

/**
 * Renders `layout` into `container` and returns the controls of the drawing. Every state is a
 * `<g data-state="<state id>" data-active="true|false">`; every transition a `<g data-transition>` with
 * `data-source`, `data-target` and `data-events` (the event types it stands for, space-separated).
 */
export function renderDiagram(container, layout) {
  const margin = 8;
  const svg = el('svg', {
    viewBox: `${-margin} ${-margin} ${layout.width + 2 * margin} ${layout.height + 2 * margin}`,
    width: layout.width + 2 * margin,
    height: layout.height + 2 * margin,
    role: 'img',
    'aria-label': `${layout.rootId} statechart`,
  });
  const defs = el('defs', {}, svg);
  const marker = el('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, defs);
  el('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrowhead' }, marker);

  const statesLayer = el('g', { class: 'states' }, svg);
  const edgesLayer = el('g', { class: 'transitions' }, svg);
  const parents = new Map(layout.states.map((state) => [state.id, state.parent]));

  /** @type {Map<string, SVGGElement>} */
  const stateNodes = new Map();
  for (const state of layout.states) {
    const regionOfParallel = state.parent !== undefined && layout.states.find((s) => s.id === state.parent)?.type === 'parallel';
    const group = el('g', { class: 'state', 'data-state': state.id, 'data-type': state.type, 'data-region': regionOfParallel, 'data-active': 'false' }, statesLayer);
    el('title', {}, group).textContent = state.id;
    el('rect', { x: state.x, y: state.y, width: state.width, height: state.height, rx: 8 }, group);
    if (state.type === 'final') el('rect', { class: 'inner', x: state.x + 3, y: state.y + 3, width: state.width - 6, height: state.height - 6, rx: 6 }, group);
    const compound = state.type === 'compound' || state.type === 'parallel';
    const title = el('text', { class: 'title', x: state.x + (compound ? 10 : state.width / 2), y: state.y + 18, 'text-anchor': compound ? 'start' : 'middle' }, group);
    title.textContent = state.type === 'parallel' ? `${state.key} ∥` : state.key;
    [...state.invokes, ...state.internal].forEach((line, i) => {
      const text = el('text', { class: 'line', x: state.x + (compound ? 10 : state.width / 2), y: state.y + 33 + i * 14, 'text-anchor': compound ? 'start' : 'middle' }, group);
      text.textContent = line;
    });
    stateNodes.set(state.id, group);
  }

  for (const initial of layout.initials) {
    el('circle', { class: 'initial', cx: initial.x, cy: initial.y, r: 4.5 }, edgesLayer);
  }

  /** @type {SVGGElement[]} */
  const transitionNodes = [];
  for (const transition of layout.transitions) {
    const group = el('g', {
      class: `transition ${transition.kind}`,
      'data-transition': transition.id,
      'data-source': transition.source,
      'data-target': transition.target,
      'data-events': transition.eventTypes.join(' '),
    }, edgesLayer);
    if (transition.points.length > 1) el('path', { d: pathOf(transition.points), 'marker-end': 'url(#arrow)' }, group);
    const box = transition.labelBox;
    if (box && transition.labels.length > 0) {
      el('rect', { class: 'label-bg', x: box.x, y: box.y, width: box.width, height: box.height, rx: 3 }, group);
      transition.labels.forEach((label, i) => {
        const text = el('text', { class: 'label', x: box.x + box.width / 2, y: box.y + 13 + i * 14, 'text-anchor': 'middle' }, group);
        text.textContent = label;
      });
      el('title', {}, group).textContent = `${transition.source} → ${transition.target}\n${transition.labels.join('\n')}`;
    }
    transitionNodes.push(group);
  }
  container.replaceChildren(svg);

  return {
    /** Marks exactly these state ids active. */
    setActive(ids) {
      const active = new Set(ids);
      for (const [id, node] of stateNodes) node.setAttribute('data-active', String(active.has(id)));
    },
    /**
     * Highlights the transitions an event took: same event type, source active before (or an ancestor of
     * an active state), target active now.
     */
    setTaken(eventType, before, after) {
      const was = new Set(before);
      const now = new Set(after);
      for (const node of transitionNodes) {
        const events = node.dataset.events.split(' ');
        const taken = eventType !== '' && events.includes(eventType) && was.has(node.dataset.source) && now.has(node.dataset.target);
        node.setAttribute('data-taken', String(taken));
      }
    },
    /** Every state id drawn (for tests and the log). */
    stateIds: () => [...stateNodes.keys()],
    parentOf: (id) => parents.get(id),
  };
}
