// Pure helpers over xstate state values and event types; no DOM.

/**
 * Ids of every active state node of a snapshot value: the root, each compound on the path and each leaf.
 * `{connection: {open: {liveness: 'quiet', refresh: 'scheduled'}}}` → zoomWs, zoomWs.connection,
 * zoomWs.connection.open, zoomWs.connection.open.liveness, …liveness.quiet, …refresh, …refresh.scheduled.
 */
export function activeStateIds(rootId, value) {
  const ids = [rootId];
  const walk = (prefix, inner) => {
    if (typeof inner === 'string') {
      ids.push(`${prefix}.${inner}`);
      return;
    }
    if (inner === null || typeof inner !== 'object') return;
    for (const [key, child] of Object.entries(inner)) {
      ids.push(`${prefix}.${key}`);
      walk(`${prefix}.${key}`, child);
    }
  };
  walk(rootId, value);
  return ids;
}

/** A short name for a state value: `backoff`, `connection.connecting`, `connection.open (liveness.quiet, refresh.scheduled)`. */
export function describeValue(value) {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return '?';
  const entries = Object.entries(value);
  if (entries.length === 1) {
    const [key, inner] = entries[0];
    const rest = describeValue(inner);
    return rest.startsWith('(') ? `${key} ${rest}` : `${key}.${rest}`;
  }
  return `(${entries.map(([key, inner]) => `${key}.${describeValue(inner)}`).join(', ')})`;
}

/** The phase a user would name: `open`, `backoff`, `connecting`… (the connection machine's `connection.*` unwrapped). */
export function phaseOf(value) {
  if (typeof value === 'string') return value;
  const [top, inner] = Object.entries(value ?? {})[0] ?? [];
  if (top !== 'connection') return top ?? '?';
  return typeof inner === 'string' ? inner : Object.keys(inner ?? {})[0] ?? '?';
}

/** `xstate.after.retryDelay.zoomWs.backoff` → `after retryDelay`; `xstate.done.actor.fetchToken` → `done fetchToken`. */
export function describeEvent(type) {
  if (typeof type !== 'string' || type === '') return '—';
  if (type === 'xstate.init') return 'init';
  const after = /^xstate\.after\.([^.]+)\./.exec(type);
  if (after) return `after ${after[1]}`;
  const actor = /^xstate\.(done|error)\.actor\.(.+)$/.exec(type);
  if (actor) return `${actor[1]} ${actor[2]}`;
  if (type === 'xstate.stop') return 'stop';
  return type;
}

/** `12:34:56.789` in local time. */
export function clock(ms) {
  const date = new Date(ms);
  const pad = (n, width = 2) => String(n).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}
