// Snapshots of the inspected machine, and the cursor for stepping through them. No DOM.

const MAX_ENTRIES = 5000;

/** The counters the context panel shows (the others, like the last heartbeat's RTT, change on every beat). */
const SHOWN_COUNTERS = ['events', 'duplicates', 'reconnects', 'rotations', 'outages'];

/**
 * @typedef {object} Entry
 * @property {number} index   position since the page opened (stable while old entries are dropped)
 * @property {number} at      epoch ms of the snapshot
 * @property {string} event   the event type that caused it
 * @property {unknown} value  the state value
 * @property {string} status  active | done | error | stopped
 * @property {Record<string, any>} context  redacted context
 * @property {Record<string, any> | undefined} stats  client counters last reported before it (embedded mode)
 * @property {string} session the actor's sessionId (a new one marks a new client)
 * @property {string} machine the machine id (which layout draws it)
 * @property {boolean} visible whether it looks different from the entry before it (see {@link visibleState})
 */

/**
 * What a person can see of an entry: the state (diagram and header), its status, the context fields the panel
 * lists (for the connection machine; the whole context for others) and the shown counters. Snapshots that
 * change none of it — a heartbeat's `lastAliveAt`, a timer bookkeeping step — are not steps of their own.
 */
export function visibleState(entry) {
  const c = entry.context ?? {};
  const shown = entry.machine === 'zoomWs'
    ? [c.attempt, c.retryDelay, c.token?.value, c.token?.expiresAt, c.socketCount, c.activeSocketId, c.pendingSocketId, c.refreshAttempt, c.lastFailure, c.outageSince, c.fatal]
    : c;
  const counters = entry.stats ? SHOWN_COUNTERS.map((name) => entry.stats[name]) : null;
  return JSON.stringify([entry.session, entry.machine, entry.value, entry.status, shown, counters]);
}

export class History {
  /** @type {Entry[]} */
  entries = [];
  /** Index into `entries` while stepping; `null` follows the live client. */
  cursor = null;
  #next = 0;
  #listeners = new Set();

  onChange(listener) {
    this.#listeners.add(listener);
  }

  add(entry) {
    const before = this.entries.at(-1);
    const visible = before === undefined || visibleState(before) !== visibleState(entry);
    this.entries.push({ ...entry, visible, index: this.#next++ });
    if (this.entries.length > MAX_ENTRIES) {
      this.entries.shift();
      this.entries[0].visible = true;
      if (this.cursor !== null) this.cursor = Math.max(0, this.cursor - 1);
    }
    this.#changed('add');
  }

  clear() {
    this.entries.length = 0;
    this.cursor = null;
    this.#changed('move');
  }

  get live() {
    return this.cursor === null;
  }

  /** The entry on display: the cursor's, or the newest. */
  current() {
    return this.cursor === null ? this.entries.at(-1) : this.entries[this.cursor];
  }

  /** Position of the entry on display in `entries`. */
  position() {
    return this.cursor ?? this.entries.length - 1;
  }

  /** Shows the previous thing a person can see: the first snapshot of the run before the one on display. */
  stepBack() {
    if (this.entries.length === 0) return;
    const start = this.#runStart(this.position());
    this.cursor = start === 0 ? 0 : this.#runStart(start - 1);
    this.#changed('move');
  }

  /** Shows the next visible change; past the last one, follows the live client again. */
  stepForward() {
    if (this.cursor === null) return;
    const next = this.entries.findIndex((entry, position) => position > this.cursor && entry.visible);
    this.cursor = next === -1 ? null : next;
    this.#changed('move');
  }

  goLive() {
    this.cursor = null;
    this.#changed('move');
  }

  /** Shows the entry with this `index` (from the log). */
  select(index) {
    const position = this.entries.findIndex((entry) => entry.index === index);
    if (position === -1) return;
    this.cursor = position;
    this.#changed('move');
  }

  /**
   * The snapshot that made the one on display look as it does: the first of its run of identical-looking
   * snapshots. Its `event` is "the event that led here", shown beside the diagram.
   */
  cause() {
    const position = this.position();
    return position < 0 ? undefined : this.entries[this.#runStart(position)];
  }

  /** The entry before {@link cause}, in the same session (to tell which transition was taken). */
  previous() {
    const position = this.position();
    if (position < 0) return undefined;
    const start = this.#runStart(position);
    const before = this.entries[start - 1];
    return before && before.session === this.entries[start].session ? before : undefined;
  }

  /** How many snapshots on display look the same as {@link cause} (1 when it changed something at once). */
  runLength() {
    const position = this.position();
    return position < 0 ? 0 : position - this.#runStart(position) + 1;
  }

  /**
   * Outages that ended up to the entry on display, newest first: a period in which `outageSince` was set.
   * The client reports the same through `onOutage`; the page derives it from snapshots so that stepping
   * back shows the list as it was.
   */
  outagesUntilCurrent(limit = 10) {
    const outages = [];
    let open;
    for (const entry of this.entries.slice(0, this.position() + 1)) {
      const since = entry.context?.outageSince;
      if (since && !open) open = { from: since.at, reason: since.reason, detail: since.detail };
      if (!since && open) {
        outages.push({ ...open, to: entry.at });
        open = undefined;
      }
    }
    if (open) outages.push({ ...open, to: undefined });
    return outages.reverse().slice(0, limit);
  }

  #runStart(position) {
    let start = position;
    while (start > 0 && !this.entries[start].visible) start--;
    return start;
  }

  #changed(kind) {
    for (const listener of this.#listeners) listener(kind);
  }
}
