/** The servers the launcher knows, in the order `up` starts and lists them. */
export const SERVICE_NAMES = ['postgres', 'kafka', 'registry', 'prometheus', 'elasticsearch', 'spark'] as const;

/** One server the launcher can install, start, probe and stop. */
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Connection settings of a Kafka broker (one combined KRaft broker+controller). */
export interface KafkaSettings {
  /** `host:port` list for kafkajs' `brokers`. */
  readonly brokers: readonly string[];
  /** The same as one string, for kcat's `-b` and `bootstrap.servers`. */
  readonly bootstrap: string;
}

/** Connection settings of a project-owned PostgreSQL 15 instance (trust auth, `wal_level=logical`). */
export interface PostgresSettings {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  readonly url: string;
  /** Directory holding the instance's Unix socket (for `psql -h <socketDir>`). */
  readonly socketDir: string;
}

/** Connection settings of an Elasticsearch node (security off, HTTP only). */
export interface ElasticsearchSettings {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
}

/** Connection settings of a Prometheus server. */
export interface PrometheusSettings {
  /** `http://127.0.0.1:<port>`; the HTTP API is under `/api/v1`. */
  readonly url: string;
  /**
   * A `file_sd` directory the server watches: write `<name>.json` holding
   * `[{"targets":["127.0.0.1:<port>"],"labels":{...}}]` to make it scrape an endpoint every second.
   */
  readonly targetsDir: string;
}

/** Connection settings of the Spark SQL + Delta Lake worker. */
export interface SparkSettings {
  readonly host: string;
  /** TCP port speaking the worker's JSON-lines protocol (see `spark/spark-sql-client.ts`). */
  readonly port: number;
  /** Warehouse directory of the session (`spark.sql.warehouse.dir`); Delta tables may also live anywhere by path. */
  readonly warehouseDir: string;
}

/** Connection settings of the schema-registry stand-in. */
export interface RegistrySettings {
  /** `http://127.0.0.1:<port>`, the `host` of `@kafkajs/confluent-schema-registry`. */
  readonly url: string;
}

/** Connection settings per server. */
export interface SettingsByService {
  readonly kafka: KafkaSettings;
  readonly postgres: PostgresSettings;
  readonly elasticsearch: ElasticsearchSettings;
  readonly prometheus: PrometheusSettings;
  readonly spark: SparkSettings;
  readonly registry: RegistrySettings;
}

/**
 * A started server, serializable so that it can be kept in a state file and stopped from another process.
 * The server runs in its own process group whose id is `pid`.
 */
export interface ServiceInstance<N extends ServiceName = ServiceName> {
  readonly name: N;
  /** PID of the process group leader (the process the launcher spawned); also the process group id. */
  readonly pid: number;
  /** Start time of `pid` in clock ticks since boot (`/proc/<pid>/stat` field 22), to detect PID reuse. */
  readonly startTicks: number;
  /** Signal asking for a clean shutdown (SIGKILL follows after a deadline). */
  readonly stopSignal: NodeJS.Signals;
  /** Every TCP port the launcher assigned to the server. */
  readonly ports: readonly number[];
  /** The instance's own directory (data, config, log); removed when it stops. */
  readonly dir: string;
  /** The server's stdout/stderr. */
  readonly logFile: string;
  /** A human-facing address for `status`. */
  readonly url: string;
  readonly settings: SettingsByService[N];
}

/** Options of {@link ServiceModule.start}. */
export interface StartOptions {
  /** Parent directory of the instance directory; the OS temp dir by default. */
  readonly baseDir?: string;
}

/** The small interface every server module implements. */
export interface ServiceModule<N extends ServiceName = ServiceName> {
  readonly name: N;
  /** Resident memory to budget for one running instance, in MiB (measured here, rounded up). */
  readonly memoryMiB: number;
  /** Installs the server into the cache; idempotent and fast when already installed. */
  install(): Promise<void>;
  /** Spawns the server on free loopback ports with a fresh data directory; does not wait for readiness. */
  start(options?: StartOptions): Promise<ServiceInstance<N>>;
  /** One real health call: resolves `true` when the server answers as ready. */
  probe(instance: ServiceInstance<N>): Promise<boolean>;
  /** Polls {@link probe} until it succeeds; rejects (with the log's tail) on deadline or early exit. */
  ready(instance: ServiceInstance<N>, timeoutMs?: number): Promise<void>;
  /** Stops the server by PID (its stop signal, then SIGKILL after a deadline) and removes its directory. */
  stop(instance: ServiceInstance<N>): Promise<void>;
}
