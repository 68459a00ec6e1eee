/**
 * `zoom-ws/cluster`: several replicas of one Zoom event subscription, exactly one Zoom connection, durable
 * fan-out on Redis. Kept behind a subpath so that users of the single-process client never load Redis code.
 */
export { ZoomWsCluster, type ClusterHealth, type ClusterOutage, type ClusterOutageReason, type ClusterStats, type ReplicaRole, type ReplicaState, type RoleChange } from './cluster.js';
export { CLUSTER_DEFAULTS, type RedisClientLike, type ZoomWsClusterOptions } from './cluster-options.js';
export { DEFAULT_KEY_PREFIX, subscriptionKeys, type SubscriptionKeys } from './keys.js';
export { idempotencyKey, LeaseStore, type FencingToken, type HolderState, type PublishResult } from './lease-store.js';
export { replicaMachine, type ReplicaMachine } from '../../machines/replica.machine.js';
export type * from '../../machines/replica.types.js';
export { ZoomWsConsumer, type ConsumerStats, type DeliveryHandler, type DeliveryMeta, type RecordedOutage } from './consumer.js';
export { CONSUMER_DEFAULTS, type ZoomWsConsumerOptions } from './consumer-options.js';
export { isPermanentDeliveryError, PermanentDeliveryError } from './permanent-delivery-error.js';
export { RedisConnection, RedisTimeoutError, type RedisClient, type RedisConnectionOptions, type RedisTarget } from './redis-connection.js';
