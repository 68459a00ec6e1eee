import { fromCallback } from 'xstate';
import type { ConnectionEvent, HeartbeatInput } from '../../machines/connection.types.js';

/**
 * The `heartbeat` actor: ticks `HEARTBEAT.DUE` every `interval` ms while the connection is open. The machine
 * turns each tick into a `{"module":"heartbeat"}` frame on the active socket and starts the liveness clock.
 */
export const heartbeatActor = fromCallback<ConnectionEvent, HeartbeatInput>(({ input, sendBack }) => {
  const timer = setInterval(() => sendBack({ type: 'HEARTBEAT.DUE' }), input.interval);
  return () => clearInterval(timer);
});
