/**
 * `zoom-ws/simulator`: an embedded Zoom (token endpoint + real-time event WebSocket) for tests and demos.
 *
 * @example
 * ```ts
 * const sim = await createZoomSimulator();
 * // point the client at sim.oauthUrl / sim.wsUrl with sim.credentials, then:
 * sim.emit({ event: 'meeting.started', payload: { account_id: 'sim-account', object: { id: '81234567890', uuid: 'x==' } } });
 * sim.faults.drop();
 * await sim.stop();
 * ```
 */
export { createZoomSimulator } from './simulator.js';
export { createEventScenario, type EventScenarioOptions } from './scenario.js';
export {
  CONNECTED_CONTENT,
  DISPLACED_CONTENT,
  TOKEN_EMPTY_CONTENT,
  UNKNOWN_SUBSCRIPTION_CONTENT,
  type ZoomFrame,
} from './frames.js';
export type {
  CloseInfo,
  DeliveryJitterOptions,
  DisplacementStyle,
  HeartbeatInfo,
  PlayHandle,
  PlayOptions,
  SimConnectionInfo,
  SimulatorFaults,
  SimulatorHookMap,
  SimulatorStats,
  TokenFailureOptions,
  TokenIssuedInfo,
  ZoomEvent,
  ZoomEventInput,
  ZoomSimulator,
  ZoomSimulatorOptions,
} from './types.js';
