import type { ObjectPayload } from './envelope.js';

/** Zoom Rooms / Workspace objects. These events have a **string** `event_ts` in Zoom's schema. */
export interface RoomObject {
  id: string;
  room_name?: string;
  name?: string;
  email?: string;
  [extra: string]: unknown;
}

export interface RoomLocationObject {
  id: string;
  name?: string;
  parent_location_id?: string;
  /** `country`, `state`, `city`, `campus`, `building`, `floor`. */
  type?: string;
  [extra: string]: unknown;
}

export interface WorkspaceObject {
  id: string;
  workspace_name?: string;
  location_id?: string;
  [extra: string]: unknown;
}

export interface RoomsEventMap {
  'zoomroom.alert': ObjectPayload<RoomObject & { issue?: string; alert_type?: number | string }>;
  'zoomroom.delayed_alert': ObjectPayload<RoomObject & { issue?: string; alert_type?: number | string }>;
  'zoomroom.checked_in': ObjectPayload<RoomObject & { calendar_name?: string; event_id?: string }>;
  'zoomroom.checked_out': ObjectPayload<RoomObject & { calendar_name?: string; event_id?: string }>;
  'zoomroom.sensor_data': ObjectPayload<RoomObject & { sensor_data?: Record<string, unknown>[] }>;
  'zoomroom.room_created': ObjectPayload<RoomObject>;
  'zoomroom.room_updated': ObjectPayload<RoomObject>;
  'zoomroom.room_deleted': ObjectPayload<RoomObject>;
  'zoomroom.location_created': ObjectPayload<RoomLocationObject>;
  'zoomroom.location_updated': ObjectPayload<RoomLocationObject>;
  'zoomroom.location_deleted': ObjectPayload<RoomLocationObject>;
  'workspace.created': ObjectPayload<WorkspaceObject>;
  'workspace.updated': ObjectPayload<WorkspaceObject>;
  'workspace.deleted': ObjectPayload<WorkspaceObject>;
  'workspace.reservation_created': ObjectPayload<WorkspaceObject & { reservation?: Record<string, unknown> }>;
  'workspace.reservation_deleted': ObjectPayload<WorkspaceObject & { reservation?: Record<string, unknown> }>;
  'workspace.user_checked_in': ObjectPayload<WorkspaceObject & { user_id?: string }>;
  'workspace.user_checked_out': ObjectPayload<WorkspaceObject & { user_id?: string }>;
}
