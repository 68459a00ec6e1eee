export { ZoomWsClient, type ClientStats, type StateChange } from './client/client.js';
export type { ConnectionState } from './client/connection-state.js';
export { DEFAULTS, type ZoomWsClientOptions } from './client/options.js';
export type { ProvidedToken, TokenProvider, TokenProviderContext } from './client/options.js';
export type { ClientHealth } from './client/health.js';
export type { StopResult, UnfinishedHandler } from './client/drain.js';
export type { StaleNotice } from './client/silence-watchdog.js';
export type { ClientObserver } from './client/observer.js';
export type { Logger } from './client/logger.js';
export type { EventHandler } from './client/event-dispatcher.js';
export {
  ZoomWsError,
  ZoomWsConfigError,
  ZoomAuthError,
  TokenFetchError,
  RetriesExhaustedError,
  ClientStoppedError,
  type ZoomWsErrorCode,
  type TokenFetchFailure,
} from './errors.js';
export type * from './protocol/events.js';
export { eventTimeMs, isZoomEvent } from './protocol/events.js';
export { decodeFrame, HEARTBEAT_FRAME, type DecodedFrame } from './protocol/frames.js';
export { redactUrl } from './protocol/redact.js';
export { Secret, type AccessToken } from './protocol/secret.js';
export { connectionMachine, type ConnectionMachine } from '../machines/connection.machine.js';
export type * from '../machines/connection.types.js';
export { backoffDelay } from '../machines/backoff.js';
export { createTokenFetcher } from './actors/token-fetcher.js';
export { createSocketActor, connectionUrl, type SocketSink, type SocketActorConfig, type RetiringSocket, type RetiredSocketEnd } from './actors/socket.js';
export { heartbeatActor } from './actors/heartbeat.js';
export { createRedactingInspector, type InspectTarget, type RedactingInspector, type RedactingInspectorOptions } from './inspect/inspector.js';
export {
  INSPECTION_FORMAT_VERSION,
  type InspectionMessage,
  type InspectionActorMessage,
  type InspectionEventMessage,
  type InspectionSnapshotMessage,
  type InspectedEvent,
  type InspectedSnapshot,
} from './inspect/inspection-message.js';
export { redactForInspection } from './inspect/redact.js';
