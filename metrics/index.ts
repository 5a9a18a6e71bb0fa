// The metrics layer's public surface: engine events → Prometheus metrics, readiness, and the HTTP endpoint.
export { metricNames, pipelineStates } from './metric-names.js';
export { EngineMetrics, type EngineMetricsOptions } from './engine-metrics.js';
export { PipelineReadiness, type ReadinessReport } from './pipeline-readiness.js';
export { DEFAULT_METRICS_PORT, startMetricsServer, type MetricsServer, type MetricsServerOptions } from './metrics-server.js';
export { startMetricsEndpoint, type MetricsEndpoint, type MetricsEndpointOptions } from './metrics-endpoint.js';
