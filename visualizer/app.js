// Wires the page: diagram, history, panels, link to the server, buttons.
import { renderDiagram } from './diagram.js';
import { History } from './history.js';
import { connectLink } from './link.js';
import { addClientEvent, renderContext, TransitionLog } from './panels.js';
import { activeStateIds, clock, describeEvent, describeValue, phaseOf } from './statechart-value.js';

const $ = (selector) => document.querySelector(selector);

/** The run's token: the server printed the page's URL with it, and the page's WebSocket must present it. */
const token = new URLSearchParams(location.search).get('token') ?? '';

const history = new History();
const log = new TransitionLog($('#log'), (index) => history.select(index));
/** Laid-out machines (built by `npm run layout`), by machine id; the first one is drawn until an actor shows up. */
const layouts = new Map();
/** The machine drawn now, and its diagram controls. */
let drawn;
let diagram;
/** Root actors (sessionId → machine id) announced by `@xstate.actor`. */
const roots = new Map();
let session;
let stats;

/** The machine of a root actor's snapshot, or undefined for child actors and machines without a layout. */
function machineOf(message) {
  if (message.sessionId !== message.rootId) return undefined;
  const name = roots.get(message.sessionId);
  if (name !== undefined) return layouts.has(name) ? name : undefined;
  // Late page without the registration: the machine one of whose top-level states the value names.
  const value = message.snapshot?.value;
  const top = typeof value === 'string' ? value : value && Object.keys(value)[0];
  for (const [id, layout] of layouts) if (layout.states.some((state) => state.id === `${id}.${top}`)) return id;
  return undefined;
}

function draw(machineId) {
  if (drawn === machineId) return;
  drawn = machineId;
  diagram = renderDiagram($('#diagram'), layouts.get(machineId));
  $('#machine').textContent = machineId;
  document.body.dataset.machine = machineId;
}

function onInspection(message) {
  if (message.type === '@xstate.actor' && message.parentId === undefined) {
    roots.set(message.sessionId, message.name);
    return;
  }
  if (message.type !== '@xstate.snapshot') return;
  const machine = machineOf(message);
  if (machine === undefined) return;
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
    machine,
  });
  const entry = history.entries.at(-1);
  // The log lists what a person can see change; snapshots that look the same are folded into the one before.
  if (entry.visible) log.add(entry, newSession);
}

function render() {
  const entry = history.current();
  const cause = history.cause();
  const position = $('#position');
  position.dataset.view = history.live ? 'live' : 'history';
  position.textContent = history.live ? `live · ${history.entries.length} snapshots` : `snapshot ${history.position() + 1} of ${history.entries.length}`;
  document.body.dataset.view = history.live ? 'live' : 'history';
  $('[data-action="step-back"]').disabled = history.entries.length < 2 || history.position() === 0;
  $('[data-action="step-forward"]').disabled = history.live;
  $('[data-action="live"]').disabled = history.live;
  renderContext($('#context'), $('#context-json'), $('#context-when'), entry, entry ? history.outagesUntilCurrent() : []);
  const ledBy = $('#led-by');
  if (!entry) {
    ledBy.textContent = '';
    return;
  }
  const quiet = history.runLength() - 1;
  ledBy.textContent = `after ${describeEvent(cause.event)} at ${clock(cause.at)}${quiet > 0 ? ` (+${quiet} snapshot${quiet === 1 ? '' : 's'} that changed nothing shown)` : ''}`;
  ledBy.dataset.event = cause.event;
  const now = $('#now');
  now.textContent = describeValue(entry.value);
  now.dataset.phase = phaseOf(entry.value);
  log.select(cause.index);
  draw(entry.machine);
  const active = activeStateIds(entry.machine, entry.value);
  diagram.setActive(active);
  const before = history.previous();
  diagram.setTaken(cause.event, before ? activeStateIds(before.machine, before.value) : [], active);
}

function onHello(message) {
  // A (re)connected server replays what it kept: start over rather than show entries twice.
  history.clear();
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

/** Connected once the diagrams are loaded, so that every replayed snapshot can be matched to a machine. */
let link;
const startLink = () => connectLink({
  token,
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

async function getJson(path) {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

getJson('/layouts/index.json')
  .then(async (index) => {
    for (const { id, file } of index.machines) layouts.set(id, await getJson(`/layouts/${encodeURIComponent(file)}`));
    draw(index.machines[0].id);
    document.body.dataset.diagram = 'ready';
    render();
    link = startLink();
  })
  .catch((error) => {
    $('#diagram').textContent = `Could not load the statechart: ${error.message}`;
  });
