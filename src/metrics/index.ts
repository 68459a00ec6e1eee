/**
 * `zoom-ws/metrics`: Prometheus collectors on prom-client (an optional peer dependency). Import this subpath
 * only where metrics are wanted; the plain client never loads prom-client.
 */
export { collectClientMetrics, skipReason, type ClientMetricsOptions, type MetricsHandle } from './client-metrics.js';
export { collectClusterMetrics, type ClusterMetricsOptions, type ClusterMetricsSource } from './cluster-metrics.js';
