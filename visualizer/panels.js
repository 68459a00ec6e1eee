// The side panels: context of the snapshot on display, transition log, events received.
import { clock, describeEvent, describeValue } from './statechart-value.js';

const LOG_LIMIT = 400;
const EVENTS_LIMIT = 50;

function element(tag, text, attributes = {}) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  return node;
}

function seconds(ms) {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

/** Fills the context list for `entry` (redacted context: attempts, token expiry, outages, counters). */
export function renderContext(list, jsonView, whenView, entry, outages) {
  list.replaceChildren();
  if (!entry) {
    whenView.textContent = '';
    jsonView.textContent = '';
    list.append(element('dd', 'Waiting for a client…'));
    return;
  }
  const context = entry.context ?? {};
  const rows = [];
  const row = (name, value, key) => rows.push([name, value, key]);
  row('state', describeValue(entry.value), 'state');
  row('event', describeEvent(entry.event), 'event');
  row('attempt', String(context.attempt ?? '—'), 'attempt');
  row('retry delay', context.retryDelay ? `${context.retryDelay} ms` : '—', 'retry-delay');
  const token = context.token;
  if (token && typeof token.expiresAt === 'number') {
    const left = token.expiresAt - entry.at;
    row('token', `${token.value ?? '[redacted]'}, expires ${clock(token.expiresAt)} (${left >= 0 ? `in ${seconds(left)}` : 'expired'})`, 'token');
  } else {
    row('token', 'none', 'token');
  }
  row('sockets', `${context.socketCount ?? 0} opened; active ${context.activeSocketId ?? '—'}${context.pendingSocketId ? `, pending ${context.pendingSocketId}` : ''}`, 'sockets');
  row('refresh attempt', String(context.refreshAttempt ?? 0), 'refresh-attempt');
  const failure = context.lastFailure;
  row('last failure', failure ? `${failure.reason}: ${failure.detail}` : '—', 'last-failure');
  row('outage', context.outageSince ? `since ${clock(context.outageSince.at)} (${context.outageSince.reason})` : 'none', 'outage');
  const outageText = outages.length === 0
    ? 'none'
    : outages.map((o) => `${clock(o.from)} → ${o.to === undefined ? 'ongoing' : `${clock(o.to)} (${seconds(o.to - o.from)})`} ${o.reason}`).join('\n');
  row('outages', outageText, 'outages');
  if (entry.stats) {
    const s = entry.stats;
    row('counters', `events ${s.events}, duplicates ${s.duplicates}, reconnects ${s.reconnects}, rotations ${s.rotations}, outages ${s.outages}`, 'counters');
  }
  if (context.fatal) row('fatal', JSON.stringify(context.fatal), 'fatal');
  for (const [name, value, key] of rows) {
    list.append(element('dt', name), element('dd', value, { 'data-field': key }));
  }
  whenView.textContent = `at ${clock(entry.at)}`;
  jsonView.textContent = JSON.stringify(context, null, 2);
}

/** The transition log, newest first. Each item is `data-index` of its history entry; clicking selects it. */
export class TransitionLog {
  constructor(list, onSelect) {
    this.list = list;
    list.addEventListener('click', (event) => {
      const item = event.target.closest('li[data-index]');
      if (item) onSelect(Number(item.dataset.index));
    });
  }

  add(entry, newSession) {
    const item = element('li', undefined, { 'data-index': entry.index, 'data-event': entry.event, 'data-target': describeValue(entry.value) });
    item.append(
      element('time', clock(entry.at)),
      element('span', describeEvent(entry.event), { class: 'event' }),
      element('span', '→', { class: 'arrow' }),
      element('span', describeValue(entry.value), { class: 'target' }),
    );
    if (newSession) item.classList.add('new-session');
    this.list.prepend(item);
    while (this.list.children.length > LOG_LIMIT) this.list.lastElementChild.remove();
  }

  /** Marks the entry on display. */
  select(index) {
    for (const item of this.list.querySelectorAll('li[aria-current]')) item.removeAttribute('aria-current');
    this.list.querySelector(`li[data-index="${index}"]`)?.setAttribute('aria-current', 'true');
  }
}

/** Zoom events the embedded client received, newest first. */
export function addClientEvent(list, name, at) {
  list.prepend(element('li', undefined, {}));
  const item = list.firstElementChild;
  item.append(element('time', clock(at)), element('span', name, { class: 'event' }));
  while (list.children.length > EVENTS_LIMIT) list.lastElementChild.remove();
}
