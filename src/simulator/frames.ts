/**
 * The frames the simulated Zoom server writes, and the few texts Zoom is known to put in them.
 * Every server frame has the shape `{module, success, content, header}` (protocol §3).
 */
import type { RawData } from 'ws';
import type { ZoomEventInput } from './types.js';

/** The shape of every frame the server sends. */
export interface ZoomFrame {
  module: string;
  success: boolean;
  content: string;
  header: Record<string, never>;
}

/** `content` of a refusal when the URL has no `access_token` (also what Zoom says for an `Authorization` header). */
export const TOKEN_EMPTY_CONTENT = 'token is empty';
/** `content` telling a connection that a newer one took its subscription. */
export const DISPLACED_CONTENT = 'Connected in another place';
/** `content` of a refusal for a `subscriptionId` the simulator does not know. Zoom's own wording is unknown. */
export const UNKNOWN_SUBSCRIPTION_CONTENT = 'Invalid subscriptionId';
/** `content` of `build_connection` success. Zoom's own wording is not documented; clients must not rely on it. */
export const CONNECTED_CONTENT = 'Connection established';
/** `content` of the heartbeat reply (protocol §4). */
export const HEARTBEAT_LIVE_CONTENT = 'live';

/** Serialises a frame with the fixed key order Zoom uses. */
export function encodeFrame(module: string, success: boolean, content: string): string {
  const frame: ZoomFrame = { module, success, content, header: {} };
  return JSON.stringify(frame);
}

export function buildConnectionFrame(success: boolean, content: string): string {
  return encodeFrame('build_connection', success, content);
}

export function heartbeatReplyFrame(): string {
  return encodeFrame('heartbeat', true, HEARTBEAT_LIVE_CONTENT);
}

/** Reply to a heartbeat whose token has been revoked. */
export function heartbeatRejectionFrame(wording: string): string {
  return encodeFrame('heartbeat', false, wording);
}

/** An event frame: `content` is the inner event as a JSON *string*, so clients decode twice. */
export function messageFrame(event: ZoomEventInput): string {
  return encodeFrame('message', true, JSON.stringify(event));
}

/**
 * The `module` of a client frame, or `undefined` for anything that is not a JSON object with a string
 * `module`. Never throws: clients may send garbage and the server must survive it.
 */
export function readClientModule(data: RawData, isBinary: boolean): string | undefined {
  if (isBinary) return undefined;
  const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  const text = buffer.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const module = (parsed as { module?: unknown }).module;
  return typeof module === 'string' ? module : undefined;
}

/**
 * Throws a RangeError unless `code` may be sent in a close frame (RFC 6455 §7.4). Checked up front so that
 * a bad code fails the caller instead of throwing halfway through closing several sockets.
 */
export function assertSendableCloseCode(code: number): void {
  const sendable =
    Number.isInteger(code) &&
    ((code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
      (code >= 3000 && code <= 4999));
  if (!sendable) throw new RangeError(`close code ${code} cannot be sent in a close frame`);
}

/** Close reasons are limited to 123 bytes of UTF-8; longer ones would make `ws` throw. */
export function fitCloseReason(reason: string): string {
  const bytes = Buffer.from(reason, 'utf8');
  if (bytes.length <= 123) return reason;
  // Cutting bytes may split a character; the decoder replaces the fragment, so trim until it fits.
  let cut = bytes.subarray(0, 123).toString('utf8');
  while (Buffer.byteLength(cut, 'utf8') > 123) cut = cut.slice(0, -1);
  return cut;
}
