// @services postgres
import { createPostgresSink } from '../../connectors/postgres/create-postgres-sink.js';
import { interruptDuringWrite } from '../postgres/interrupt-write.js';
import { readPostgresTable } from '../postgres/read-postgres-table.js';
import { openTestDatabase } from '../postgres/test-database.js';
import { describeSinkConformance } from './sink-conformance.js';

// The PostgreSQL sink against the test run's server: a fresh database, the default schema; the server goes
// away mid-write by `pg_terminate_backend` of the sink's session while its transaction is open.
describeSinkConformance('postgres', async () => {
  const db = await openTestDatabase('conformance');
  const reader = await db.connect().catch(async (error: unknown) => {
    await db.close();
    throw error;
  });
  return {
    createSink: (pipeline) => createPostgresSink({ type: 'postgres', url: db.url, pipeline }),
    readTable: (spec) => readPostgresTable(reader, 'public', spec),
    interruptDuring: (write) => interruptDuringWrite(() => db.connect(), 'public', write),
    deletesByKey: true,
    async close() {
      await reader.end();
      await db.close();
    },
  };
});
