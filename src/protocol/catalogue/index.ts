import type { AppEventMap } from './apps.js';
import type { ChatbotEventMap } from './chatbot.js';
import type { MeetingEventMap } from './meetings.js';
import type { NodeEventMap } from './nodes.js';
import type { PhoneEventMap } from './phone.js';
import type { RecordingEventMap } from './recordings.js';
import type { RoomsEventMap } from './rooms.js';
import type { TeamChatEventMap } from './team-chat.js';
import type { UserEventMap } from './users.js';
import type { WebinarEventMap } from './webinars.js';

export type * from './apps.js';
export type * from './chatbot.js';
export type * from './envelope.js';
export type * from './meetings.js';
export type * from './nodes.js';
export type * from './phone.js';
export type * from './recordings.js';
export type * from './rooms.js';
export type * from './team-chat.js';
export type * from './users.js';
export type * from './webinars.js';

/**
 * Event name → payload type, written from Zoom's published webhook shapes (the WebSocket delivers the same
 * bodies) and checked against `shared/fixtures/zoom-events/` at compile time: `test/types/fixtures.generated.ts`
 * (written by `scripts/generate-fixture-types.mjs`, kept fresh by `test/types/fixtures.test.ts`) assigns every body
 * to its type here, so `npm run typecheck` fails when one is not accepted. Names not here fall back to
 * {@link GenericPayload}.
 */
export interface ZoomEventMap
  extends MeetingEventMap,
    WebinarEventMap,
    RecordingEventMap,
    UserEventMap,
    PhoneEventMap,
    TeamChatEventMap,
    ChatbotEventMap,
    AppEventMap,
    RoomsEventMap,
    NodeEventMap {}
