const TOKEN_IN_QUERY = /(access_token=)[^&#\s"']*/gi;

/** Replaces the value of every `access_token` query parameter, so a WebSocket URL can be logged. */
export function redactUrl(url: string): string {
  return url.replace(TOKEN_IN_QUERY, '$1[redacted]');
}

/**
 * Scrubs known secret values (raw and URL-encoded) and `access_token=` parameters from a message.
 * Used by the logger wrapper as a last line of defence; code should not put secrets in messages at all.
 */
export function redactText(text: string, secrets: Iterable<string>): string {
  let result = redactUrl(text);
  for (const secret of secrets) {
    if (secret.length < 4) continue; // too short to scrub without mangling ordinary words
    for (const form of new Set([secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')])) {
      if (result.includes(form)) result = result.split(form).join('[redacted]');
    }
  }
  return result;
}
