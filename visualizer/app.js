// Wires the page: diagram, history, panels, link to the server, buttons.
import { renderDiagram } from './diagram.js';
import { History } from './history.js';
import { connectLink } from './link.js';
import { addClientEvent, renderContext, TransitionLog } from './panels.js';
import { activeStateIds, describeValue, phaseOf } from './statechart-value.js';

const $ = (selector) => document.querySelector(selector);

const history = new History();
const log = new TransitionLog($('#log'), (index) => history.select(index));
let diagram;
let rootId = 'zoomWs';
/** Root actors (sessionId → name) announced by `@xstate.actor`. */
const roots = new Map();
let session;
let stats;

function isConnectionRoot(message) {
  if (message.sessionId !== message.rootId) return false;
  const name = roots.get(message.sessionId);
  // Late page without the registration: accept snapshots whose value is a state of this machine.
  return name === undefined ? looksLikeOurs(message.snapshot?.value) : name === rootId;
}

function looksLikeOurs(value) {
  const top = typeof value === 'string' ? value : value && Object.keys(value)[0];
  return diagram?.stateIds().includes(`${rootId}.${top}`) ?? false;
}

function onInspection(message) {
  if (message.type === '@xstate.actor' && message.parentId === undefined) {
    roots.set(message.sessionId, message.name);
    return;
  }
  if (message.type !== '@xstate.snapshot' || !isConnectionRoot(message)) return;
  const newSession = session !== undefined && session !== message.sessionId;
  session = message.sessionId;
  history.add({
    at: Number(message.createdAt) || Date.now(),
    event: message.event?.type ?? '',
    value: message.snapshot.value,
    status: message.snapshot.status ?? 'active',
    context: message.snapshot.context ?? {},
    stats,
    session: message.sessionId,
  });
  log.add(history.entries.at(-1), newSession);
}

function render() {
  const entry = history.current();
  const position = $('#position');
  position.dataset.view = history.live ? 'live' : 'history';
  position.textContent = history.live ? `live · ${history.entries.length} snapshots` : `snapshot ${history.position() + 1} of ${history.entries.length}`;
  document.body.dataset.view = history.live ? 'live' : 'history';
  $('[data-action="step-back"]').disabled = history.entries.length < 2 || history.position() === 0;
  $('[data-action="step-forward"]').disabled = history.live || history.position() >= history.entries.length - 1;
  $('[data-action="live"]').disabled = history.live;
  renderContext($('#context'), $('#context-json'), $('#context-when'), entry, entry ? history.outagesUntilCurrent() : []);
  if (!entry) return;
  const now = $('#now');
  now.textContent = describeValue(entry.value);
  now.dataset.phase = phaseOf(entry.value);
  log.select(entry.index);
  if (!diagram) return;
  const active = activeStateIds(rootId, entry.value);
  diagram.setActive(active);
  const before = history.previous();
  diagram.setTaken(entry.event, before ? activeStateIds(rootId, before.value) : [], active);
}

function onHello(message) {
  // A (re)connected server replays what it kept: start over rather than show entries twice.
  history.entries.length = 0;
  history.cursor = null;
  $('#log').replaceChildren();
  session = undefined;
  $('#mode').textContent = message.mode === 'embedded' ? 'embedded simulator' : 'attach mode';
  $('#mode').dataset.mode = message.mode;
  for (const button of document.querySelectorAll('#commands button')) {
    const command = button.dataset.fault ?? button.dataset.action;
    button.disabled = !message.commands.includes(command);
  }
  $('#commands').hidden = message.commands.length === 0;
  const help = $('#attach-help');
  help.hidden = message.mode !== 'attach';
  $('#attach-code').textContent = `import { ZoomWsClient } from 'zoom-ws';\nconst client = new ZoomWsClient({ ...options, inspect: '${message.inspectUrl}' });\nawait client.start();`;
  render();
}

/** Connected once the diagram is drawn, so that every replayed snapshot can be matched to the machine. */
let link;
const startLink = () => connectLink({
  onStatus(status) {
    $('#link').dataset.link = status;
    $('#link').textContent = status === 'open' ? 'connected' : 'disconnected, retrying…';
  },
  onMessage(message) {
    switch (message.type) {
      case 'zoom-ws.hello':
        return onHello(message);
      case 'zoom-ws.command-result': {
        const output = $('#command-result');
        output.textContent = `${message.command}: ${message.message}`;
        output.dataset.ok = String(message.ok);
        return;
      }
      case 'zoom-ws.client-event':
        return addClientEvent($('#events'), message.name, message.at);
      case 'zoom-ws.stats':
        stats = message.stats;
        return;
      default:
        if (typeof message.type === 'string' && message.type.startsWith('@xstate.')) onInspection(message);
    }
  },
});

history.onChange(render);

document.addEventListener('click', (event) => {
  const button = event.target.closest('button');
  if (!button || button.disabled) return;
  const { action, fault } = button.dataset;
  if (action === 'step-back') history.stepBack();
  else if (action === 'step-forward') history.stepForward();
  else if (action === 'live') history.goLive();
  else if (action === 'zoom') {
    const actual = $('#diagram').dataset.zoom !== 'actual';
    $('#diagram').dataset.zoom = actual ? 'actual' : 'fit';
    button.textContent = actual ? 'Fit' : 'Full size';
  } else if (fault || action === 'emit-event') link?.send({ type: 'zoom-ws.command', command: fault ?? action });
});

document.addEventListener('keydown', (event) => {
  if (event.target instanceof HTMLInputElement) return;
  if (event.key === 'ArrowLeft') history.stepBack();
  else if (event.key === 'ArrowRight') history.stepForward();
  else if (event.key === 'End') history.goLive();
});

fetch('/graph.json')
  .then((response) => {
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return response.json();
  })
  .then((layout) => {
    rootId = layout.rootId;
    diagram = renderDiagram($('#diagram'), layout);
    document.body.dataset.diagram = 'ready';
    render();
    link = startLink();
  })
  .catch((error) => {
    $('#diagram').textContent = `Could not load the statechart: ${error.message}`;
  });
