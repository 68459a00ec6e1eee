import { fromCallback } from 'xstate';
import type { ConnectionEvent, HeartbeatInput } from '../../machines/connection.types.js';

/**
 * The `heartbeat` actor: ticks `HEARTBEAT.DUE` at once when the connection opens (right after `build_connection`
 * succeeded), then every `interval` ms while it stays open. The machine turns each tick into a
 * `{"module":"heartbeat"}` frame on the active socket and starts the liveness clock.
 *
 * The first tick is immediate because Zoom drops a connection that has sent nothing for about 30 s, and a new
 * socket has sent nothing yet: waiting one interval first would spend most of the margin before the first
 * heartbeat (other clients send one right after opening, then every 20–25 s). It also proves the new socket at once —
 * a connection that accepted us but answers nothing is found dead after `heartbeatTimeout`, not after
 * `heartbeatInterval + heartbeatTimeout`.
 */
export const heartbeatActor = fromCallback<ConnectionEvent, HeartbeatInput>(({ input, sendBack }) => {
  sendBack({ type: 'HEARTBEAT.DUE' });
  const timer = setInterval(() => sendBack({ type: 'HEARTBEAT.DUE' }), input.interval);
  return () => clearInterval(timer);
});
