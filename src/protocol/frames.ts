import { z } from 'zod';
import { zoomEventSchema, type ZoomEvent } from './events.js';

/** Every frame Zoom sends: text JSON `{module, success, content, header}`. */
export const frameSchema = z.looseObject({
  module: z.string(),
  // Missing `success` has not been seen; treating it as success keeps unknown-but-harmless frames flowing.
  success: z.boolean().default(true),
  content: z.string().optional(),
  header: z.unknown().optional(),
});

export type Frame = z.infer<typeof frameSchema>;

/** The exact text of the client heartbeat (protocol §4). */
export const HEARTBEAT_FRAME = '{"module":"heartbeat"}';

/** Why a `success:false` frame refused us; decides between re-authenticating, backing off and yielding. */
export type RefusalCause = 'token-rejected' | 'displaced' | 'refused';

export type DecodedFrame =
  | { readonly kind: 'connected' }
  | { readonly kind: 'heartbeat' }
  | { readonly kind: 'event'; readonly event: ZoomEvent; readonly content: string }
  | { readonly kind: 'refused'; readonly module: string; readonly cause: RefusalCause; readonly content: string }
  | { readonly kind: 'skipped'; readonly reason: string };

// Seen wordings: "Invalid Token" (2023), "Token is invalid" (2025), "token is empty"; new ones will come,
// so match the idea (a token that is invalid, empty, expired or revoked) rather than the sentence.
const TOKEN_WORD = /token/i;
const TOKEN_PROBLEM = /invalid|empty|expired|revoked|missing/i;
const DISPLACED = /connected in another place/i;

export function isTokenRejection(content: string): boolean {
  return TOKEN_WORD.test(content) && TOKEN_PROBLEM.test(content);
}

export function isDisplacement(content: string): boolean {
  return DISPLACED.test(content);
}

export function classifyRefusal(content: string): RefusalCause {
  if (isDisplacement(content)) return 'displaced';
  if (isTokenRejection(content)) return 'token-rejected';
  return 'refused';
}

const KNOWN_MODULES = new Set(['build_connection', 'heartbeat', 'message']);

/**
 * Decodes one text frame. Never throws: anything unusable becomes `{kind:'skipped', reason}` so that the
 * socket can log it, count it and carry on with the next frame.
 */
export function decodeFrame(text: string): DecodedFrame {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: 'skipped', reason: 'frame is not JSON' };
  }
  // Fast path for the common case, a well-formed `message` frame: the checks below accept only what the zod
  // schemas accept, and skip their per-frame copies (~15 % of the per-event cost of a small event). Anything
  // else takes the schema path, unchanged. One difference: the event is JSON.parse's own object, so a
  // `"__proto__"` key stays an ordinary property instead of becoming the prototype of zod's copy.
  if (isRecord(json) && json.module === 'message' && json.success === true && typeof json.content === 'string') {
    return decodeEventContent(json.content);
  }
  const parsed = frameSchema.safeParse(json);
  if (!parsed.success) return { kind: 'skipped', reason: `frame has no valid envelope (${firstIssue(parsed.error)})` };
  const frame = parsed.data;
  if (!KNOWN_MODULES.has(frame.module)) return { kind: 'skipped', reason: `unknown module "${truncate(frame.module)}"` };
  const content = frame.content ?? '';
  if (!frame.success) return { kind: 'refused', module: frame.module, cause: classifyRefusal(content), content };
  if (frame.module === 'build_connection') return { kind: 'connected' };
  if (frame.module === 'heartbeat') return { kind: 'heartbeat' };
  return decodeEventContent(content);
}

/** The `content` of a `message` frame is itself a JSON string (decode twice). */
export function decodeEventContent(content: string): DecodedFrame {
  let inner: unknown;
  try {
    inner = JSON.parse(content);
  } catch {
    return { kind: 'skipped', reason: 'message content is not JSON' };
  }
  if (isWellFormedEvent(inner)) return { kind: 'event', event: inner, content };
  const parsed = zoomEventSchema.safeParse(inner);
  if (!parsed.success) return { kind: 'skipped', reason: `message content is not an event (${firstIssue(parsed.error)})` };
  return { kind: 'event', event: parsed.data as ZoomEvent, content };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * What {@link zoomEventSchema} accepts, checked without building a copy: `event_ts` a finite number (`1e400`
 * parses to Infinity), a string (Rooms/Workspace events) or absent (chatbot and app events).
 */
function isWellFormedEvent(value: unknown): value is ZoomEvent {
  return (
    isRecord(value) &&
    typeof value.event === 'string' &&
    value.event.length > 0 &&
    isEventTs(value.event_ts) &&
    isRecord(value.payload)
  );
}

function isEventTs(value: unknown): boolean {
  return value === undefined || typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  return issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message;
}

function truncate(value: string): string {
  return value.length > 40 ? `${value.slice(0, 40)}…` : value;
}
