import type { ZoomWsCluster } from '../cluster/cluster.js';
import type { HealthSource } from './health-server.js';

/**
 * A replica's probes. `ready` never means "is the leader": a standby that is waiting for the lease is ready
 * (it is doing its job); a leader is ready once its subscription is open. Leadership is `/leader`.
 */
export function clusterHealthSource(replica: ZoomWsCluster): Omit<HealthSource, 'metrics'> {
  return {
    health: () => replica.health(),
    isLeader: () => replica.role === 'leading',
  };
}
