/** Marketplace app events: flat payloads; the time is `payload.event_ts`, a date string. */
export interface AppDeauthorizedPayload {
  account_id: string;
  user_id?: string;
  client_id?: string;
  signature?: string;
  deauthorization_time?: string;
  /** e.g. `"2024-09-08 15:58:40"`. */
  event_ts?: string;
  [extra: string]: unknown;
}

export interface AppEventMap {
  app_deauthorized: AppDeauthorizedPayload;
}
