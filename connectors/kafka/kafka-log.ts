/** Where the Kafka connector reports lifecycle steps (connected, assigned, revoked, committed…): one line each. */
export type KafkaLog = (level: 'debug' | 'info' | 'warn' | 'error', message: string, fields: Readonly<Record<string, unknown>>) => void;
