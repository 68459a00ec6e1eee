import type { ObjectPayload } from './envelope.js';

/** Zoom Node (hybrid servers). */
export interface NodeServerObject {
  server: { id: string; udid?: string; name?: string; location?: string; os_image?: string; status?: string; module?: string; group?: string; [extra: string]: unknown };
  [extra: string]: unknown;
}

export interface NodeEventMap {
  'node.server_online': ObjectPayload<NodeServerObject>;
  'node.server_offline': ObjectPayload<NodeServerObject>;
}
