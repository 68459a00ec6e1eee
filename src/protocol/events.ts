import { z } from 'zod';
import type { GenericPayload, ObjectPayload } from './catalogue/envelope.js';
import type { ZoomEventMap } from './catalogue/index.js';

export type * from './catalogue/index.js';

/**
 * The inner object of a `message` frame: the same shape as a Zoom webhook body.
 * Unknown fields are kept (`looseObject`) because Zoom adds fields without notice.
 *
 * `event_ts` is usually epoch milliseconds, but Zoom's own schema makes it a string for some Rooms/Workspace
 * events, and some documented bodies (`bot_installed`, `app_deauthorized`) have none: all three are real
 * events, delivered with the value as sent. A non-finite number (`1e400`) or another type is not.
 */
export const zoomEventSchema = z.looseObject({
  event: z.string().min(1),
  event_ts: z.union([z.number(), z.string()]).optional(),
  payload: z.looseObject({}),
});

/** Any Zoom event. `payload` is typed per event name through {@link ZoomEventMap}. */
export interface ZoomEvent<TName extends string = string, TPayload = GenericPayload> {
  event: TName;
  /**
   * When Zoom produced the event, exactly as sent: epoch milliseconds for most events, a string for some
   * Rooms/Workspace events, absent for some chatbot and app events. {@link eventTimeMs} reads every form.
   * Never sort or drop by it: real delivery is out of order.
   */
  event_ts?: number | string;
  payload: TPayload;
  /** `recording.*` events: a token for the `download_url`s, beside `payload`. */
  download_token?: string;
  [extra: string]: unknown;
}

/** The `{account_id, object}` envelope of most payloads (kept under its first name). */
export type ZoomEventPayload<TObject = Record<string, unknown>> = ObjectPayload<TObject>;

/** The event type for a name: typed for catalogued names, generic (`object` maybe absent) otherwise. */
export type ZoomEventOf<TName extends string> = TName extends keyof ZoomEventMap
  ? ZoomEvent<TName, ZoomEventMap[TName]>
  : ZoomEvent<TName>;

/** Names in the typed catalogue (any other string is accepted too). */
export type KnownZoomEventName = keyof ZoomEventMap;

/** Every catalogued event whose name starts with `TPrefix.` (a union, so `event.event` narrows it). */
type CataloguedUnder<TPrefix extends string> = {
  [TName in KnownZoomEventName]: TName extends `${TPrefix}.${string}` ? ZoomEventOf<TName> : never;
}[KnownZoomEventName];

/**
 * The event a handler of `pattern` receives: `'*'` → any event; `'meeting.*'` → the union of catalogued
 * `meeting.…` events plus a generic one for names the catalogue does not know yet (narrow with
 * {@link isZoomEvent}); a name → {@link ZoomEventOf} that name.
 */
export type ZoomEventFor<TPattern extends string> = TPattern extends '*'
  ? ZoomEvent
  : TPattern extends `${infer TPrefix}.*`
    ? CataloguedUnder<TPrefix> | ZoomEvent<`${TPrefix}.${string}`>
    : ZoomEventOf<TPattern>;

/** Narrows any event (e.g. from a `'meeting.*'` or `'*'` handler) to one catalogued name. */
export function isZoomEvent<TName extends string>(event: ZoomEvent, name: TName): event is ZoomEventOf<TName> {
  return event.event === name;
}

// `"2024-09-08 15:58:40"` (app events) has no zone; Zoom's times are UTC.
const ZONELESS_DATE_TIME = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/**
 * The event's time in epoch ms, from whichever form Zoom used: a number, a numeric string, a date string
 * (top-level `event_ts`, or `payload.event_ts` for app events). `undefined` when there is none.
 */
export function eventTimeMs(event: ZoomEvent): number | undefined {
  const raw = event.event_ts ?? (event.payload as GenericPayload | undefined)?.event_ts;
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : undefined;
  if (typeof raw !== 'string' || raw.trim() === '') return undefined;
  if (/^\d+$/.test(raw.trim())) return Number(raw);
  const text = ZONELESS_DATE_TIME.test(raw.trim()) ? `${raw.trim().replace(' ', 'T')}Z` : raw;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}
