// Snapshots of the connection machine, and the cursor for stepping through them. No DOM.

const MAX_ENTRIES = 5000;

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
 */

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
    this.entries.push({ ...entry, index: this.#next++ });
    if (this.entries.length > MAX_ENTRIES) {
      this.entries.shift();
      if (this.cursor !== null) this.cursor = Math.max(0, this.cursor - 1);
    }
    this.#changed('add');
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

  stepBack() {
    if (this.entries.length === 0) return;
    this.cursor = Math.max(0, this.position() - 1);
    this.#changed('move');
  }

  stepForward() {
    if (this.cursor === null) return;
    this.cursor = Math.min(this.entries.length - 1, this.cursor + 1);
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

  /** The entry shown before the current one, in the same session (to tell which transition was taken). */
  previous() {
    const position = this.position();
    const entry = this.entries[position];
    const before = this.entries[position - 1];
    return before && entry && before.session === entry.session ? before : undefined;
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

  #changed(kind) {
    for (const listener of this.#listeners) listener(kind);
  }
}
