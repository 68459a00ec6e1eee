import { randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A per-run secret for the page and its WebSocket (as Jupyter does): any local process and any web page can
 * reach 127.0.0.1, but only whoever was shown the printed URL can read the stream or press fault buttons.
 * 32 random bytes, base64url (43 characters, safe in a URL without escaping).
 */
export function createAccessToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Compares in constant time, so that the response time does not reveal how much of a guess was right. */
export function isAccessToken(candidate: string | null | undefined, token: string): boolean {
  if (typeof candidate !== 'string') return false;
  const given = Buffer.from(candidate);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
