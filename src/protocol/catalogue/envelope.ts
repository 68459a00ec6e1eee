/**
 * The payload envelopes Zoom uses. Most events wrap the subject in `payload.object`; chatbot, RTMS and app
 * events carry flat payloads instead, so the generic envelope makes `object` optional.
 */

/** A payload whose subject is `payload.object` (meetings, webinars, recordings, users, phone, chat, rooms). */
export interface ObjectPayload<TObject = Record<string, unknown>> {
  account_id?: string;
  operator?: string;
  operator_id?: string;
  object: TObject;
  [extra: string]: unknown;
}

/** An `*.updated`-style payload: `object` holds the changed fields (and the id), `old_object` their old values. */
export interface ChangePayload<TObject, TOld = Partial<TObject>> extends ObjectPayload<TObject> {
  old_object?: TOld;
  /** Epoch ms of the change. */
  time_stamp?: number;
}

/**
 * The safe type of a payload Zoom's catalogue here does not name: any keys, `object` only maybe present.
 * A handler must check what it reads.
 */
export interface GenericPayload {
  account_id?: string;
  object?: Record<string, unknown>;
  [extra: string]: unknown;
}
