/**
 * Every metric CloudPulse exports (besides prom-client's process and Node.js defaults), by role. The
 * dashboard (`dashboards/cloudpulse.json`), the alert rules (`alerts.yml`) and the README use these
 * names; the tests check that the three agree.
 *
 * Conventions: counters end in `_total`, durations are `_seconds`, timestamps `_timestamp_seconds`,
 * sizes in records or bytes. Labels are bounded by configuration and code (topology, source,
 * partition, sink, table, operator, reason, error code), never by data: no record key is ever a label.
 */
export const metricNames = {
  /** counter {topology, source, partition}: records read from a source (including unreadable ones, which are dead-lettered). */
  recordsIn: 'cloudpulse_records_in_total',
  /** counter {topology, sink, table}: rows a sink wrote durably (rows it rejected are dead letters instead). */
  recordsOut: 'cloudpulse_records_out_total',
  /** counter {topology, source, reason}: records sent to the dead-letter destination. */
  deadLetters: 'cloudpulse_dead_letters_total',
  /** counter {topology, operator}: records past their window's allowed lateness. */
  lateRecords: 'cloudpulse_late_records_total',
  /** counter {topology, operator}: records a filter dropped on purpose. */
  filteredRecords: 'cloudpulse_filtered_records_total',
  /** histogram {topology}: time the topology took for one source batch. */
  batchProcessingSeconds: 'cloudpulse_batch_processing_seconds',
  /** counter {topology, sink, outcome = ok | error}: sink writes, after retries. */
  sinkWrites: 'cloudpulse_sink_writes_total',
  /** histogram {topology, sink}: duration of one sink write including its retries. */
  sinkWriteSeconds: 'cloudpulse_sink_write_seconds',
  /** histogram {topology, sink}: rows per sink write. */
  sinkBatchRecords: 'cloudpulse_sink_batch_records',
  /** counter {topology, component, error_code}: retried failures, by the error's code (its class). */
  retries: 'cloudpulse_retries_total',
  /** histogram {topology, source}: duration of a source commit; `_count` is the number of commits. */
  commitSeconds: 'cloudpulse_commit_seconds',
  /** gauge {topology, operator}: the operator's current watermark, as a Unix time. */
  watermark: 'cloudpulse_watermark_timestamp_seconds',
  /** gauge {topology, operator}: event-time lag, clock − watermark, computed at scrape time. */
  eventTimeLag: 'cloudpulse_event_time_lag_seconds',
  /** gauge {topology, operator}: windows kept in state (open or within their allowed lateness). */
  windowOpen: 'cloudpulse_window_open_windows',
  /** gauge {topology, operator}: (key, window) accumulators kept in state. */
  windowKeys: 'cloudpulse_window_keys',
  /** gauge {topology}: records read and not yet durably written. */
  inFlight: 'cloudpulse_in_flight_records',
  /** gauge {topology}: 1 while the sources are paused by the in-flight bound. */
  sourcePaused: 'cloudpulse_source_paused',
  /** gauge {topology, source, partition}: log end offset − committed offset of a log source (Kafka). */
  consumerLag: 'cloudpulse_consumer_lag_records',
  /** gauge {topology, source, partition}: log end offset (the next offset to be written). */
  endOffset: 'cloudpulse_source_end_offset',
  /** gauge {topology, source, partition}: committed offset (the next offset to read). */
  committedOffset: 'cloudpulse_source_committed_offset',
  /** counter {topology, source}: rows a replay emitted. */
  replayRows: 'cloudpulse_replay_rows_total',
  /** gauge {topology, source}: bytes of the replayed input read (or emitted, in event-time order). */
  replayReadBytes: 'cloudpulse_replay_read_bytes',
  /** gauge {topology, source}: size of the replayed input in bytes. */
  replayInputBytes: 'cloudpulse_replay_input_bytes',
  /** gauge {topology, source}: replay speed factor (event time × factor); 0 means as fast as possible. */
  replaySpeed: 'cloudpulse_replay_speed_factor',
  /** gauge {topology, state}: 1 for the pipeline's current lifecycle state, 0 for the others. */
  pipelineState: 'cloudpulse_pipeline_state',
  /** gauge {topology}: Unix time of the last progress (ready, a durable sink write, or a commit). */
  lastProgress: 'cloudpulse_last_progress_timestamp_seconds',
} as const;

/** The lifecycle states `cloudpulse_pipeline_state` reports. */
export const pipelineStates = ['starting', 'ready', 'draining', 'stopped', 'failed'] as const;
