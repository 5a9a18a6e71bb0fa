// @services postgres
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { expectLoopbackOnly } from './expect-loopback-only.js';
import { service, serviceSettings } from './index.js';

describe('postgres (project-owned PostgreSQL 15)', () => {
  const client = new pg.Client({ connectionString: serviceSettings('postgres').url });

  beforeAll(async () => {
    await client.connect();
  });

  afterAll(async () => {
    await client.end();
  });

  it('binds 127.0.0.1 only', () => {
    expectLoopbackOnly(service('postgres'));
  });

  it('round-trips rows through SQL', async () => {
    await client.query('CREATE TABLE smoke_readings (id int PRIMARY KEY, station text NOT NULL, celsius numeric(5,2))');
    await client.query('INSERT INTO smoke_readings VALUES ($1, $2, $3), ($4, $5, $6)', [1, 'Oslo', '-3.25', 2, 'Lagos', '31.50']);
    const result = await client.query<{ station: string; celsius: string }>('SELECT station, celsius FROM smoke_readings ORDER BY id');
    expect(result.rows).toEqual([
      { station: 'Oslo', celsius: '-3.25' },
      { station: 'Lagos', celsius: '31.50' },
    ]);
  });

  it('runs a fresh cluster with logical WAL under the temp dir, not the system service', async () => {
    const settings = await client.query<{ name: string; setting: string }>(
      "SELECT name, setting FROM pg_settings WHERE name IN ('wal_level', 'data_directory', 'port', 'server_version_num') ORDER BY name",
    );
    const byName = Object.fromEntries(settings.rows.map((row) => [row.name, row.setting]));
    expect(byName['wal_level']).toBe('logical');
    expect(byName['port']).toBe(String(serviceSettings('postgres').port));
    expect(byName['data_directory']).toBe(`${service('postgres').dir}/data`);
    expect(Number(byName['server_version_num'])).toBeGreaterThanOrEqual(150000);
  });
});
