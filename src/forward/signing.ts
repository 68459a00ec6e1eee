import { createHmac } from 'node:crypto';

/** The headers Zoom puts on a webhook, and the body they sign. */
export interface SignedWebhook {
  /** The body to POST: the bytes the signature covers. */
  body: string;
  headers: { 'content-type': 'application/json'; 'x-zm-request-timestamp': string; 'x-zm-signature': string };
}

/**
 * The body to send for an event's inner JSON as Zoom sent it. Receivers verify either over the raw bytes or over
 * `JSON.stringify(JSON.parse(body))` (Zoom's own sample and `@zoom/rivet` do the latter); both pass only when the
 * two are equal, so the raw text is sent when it is already in that canonical form (the usual case) and the
 * canonical form otherwise (whitespace, `\/`, `\u00e9` escapes): a JavaScript receiver parses both to the same object.
 */
export function webhookBody(raw: string): string {
  const canonical = JSON.stringify(JSON.parse(raw));
  return canonical === raw ? raw : canonical;
}

/** `v0=<hex HMAC-SHA256(secretToken, "v0:{timestamp}:{body}")>`, Zoom's webhook signature. */
export function zoomSignature(secretToken: string, timestampSeconds: number, body: string): string {
  return `v0=${createHmac('sha256', secretToken).update(`v0:${timestampSeconds}:${body}`).digest('hex')}`;
}

/** Signs `raw` (the inner event JSON) as Zoom signs a webhook, at `now` (epoch ms, default the current time). */
export function signWebhook(secretToken: string, raw: string, now: number = Date.now()): SignedWebhook {
  const body = webhookBody(raw);
  const timestamp = Math.floor(now / 1000);
  return {
    body,
    headers: { 'content-type': 'application/json', 'x-zm-request-timestamp': String(timestamp), 'x-zm-signature': zoomSignature(secretToken, timestamp, body) },
  };
}
