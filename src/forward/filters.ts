/**
 * Which event names are forwarded: `events` (empty: all) minus `exclude`. A pattern ending in `.*` matches that
 * prefix (`meeting.*` matches `meeting.started`, not `meetings.x`); `*` matches everything; others match exactly.
 */
export function eventFilter(events: readonly string[] = [], exclude: readonly string[] = []): (name: string) => boolean {
  const included = events.map(matcher);
  const excluded = exclude.map(matcher);
  return (name) => (included.length === 0 || included.some((match) => match(name))) && !excluded.some((match) => match(name));
}

function matcher(pattern: string): (name: string) => boolean {
  if (pattern === '*') return () => true;
  if (pattern.endsWith('.*')) {
    const prefix = pattern.slice(0, -1);
    return (name) => name.startsWith(prefix);
  }
  return (name) => name === pattern;
}
