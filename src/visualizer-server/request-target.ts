/** The parts of a request target the server routes on. */
export interface RequestTarget {
  path: string;
  /** The `token` query parameter, if any. */
  token: string | null;
}

/**
 * Parses a request line's target without ever throwing: `new URL('//[', base)` throws `Invalid URL`, and any
 * web page can make the browser send such a request (an `<img src>`), so a throw here would be a remote crash.
 * Only origin-form targets (`/path?query`) are routed; anything else is `undefined` (answered 400).
 */
export function parseRequestTarget(target: string | undefined): RequestTarget | undefined {
  if (typeof target !== 'string' || !target.startsWith('/') || target.startsWith('//')) return undefined;
  const queryAt = target.indexOf('?');
  const rawPath = queryAt === -1 ? target : target.slice(0, queryAt);
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return undefined;
  }
  const params = new URLSearchParams(queryAt === -1 ? '' : target.slice(queryAt + 1));
  return { path, token: params.get('token') };
}
