import { describe, expect, it } from 'vitest';
import { PermanentError, TransientError } from '../../engine/index.js';
import { classifyPostgresError, postgresErrorKind } from './classify-error.js';

function sqlError(code: string, message = 'server said no'): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}

describe('postgresErrorKind', () => {
  it.each([
    ['08006', 'connection_failure'],
    ['08001', 'unable to connect'],
    ['57P01', 'admin_shutdown (pg_terminate_backend)'],
    ['57P03', 'cannot_connect_now'],
    ['40001', 'serialization_failure'],
    ['40P01', 'deadlock_detected'],
    ['53300', 'too_many_connections'],
    ['55P03', 'lock_not_available'],
  ])('retries SQLSTATE %s (%s)', (code) => {
    const kind = postgresErrorKind(sqlError(code));
    expect(kind.retryable).toBe(true);
    expect(kind.rowLevel).toBe(false);
  });

  it.each([
    ['22P02', true, 'invalid_text_representation'],
    ['22003', true, 'numeric_value_out_of_range'],
    ['22021', true, 'character_not_in_repertoire (NUL byte)'],
    ['23502', true, 'not_null_violation (null key)'],
    ['42703', false, 'undefined_column'],
    ['42501', false, 'insufficient_privilege'],
    ['42P01', false, 'undefined_table'],
    ['28P01', false, 'invalid_password'],
    ['3D000', false, 'database does not exist'],
  ])('does not retry SQLSTATE %s; row-level: %s (%s)', (code, rowLevel) => {
    const kind = postgresErrorKind(sqlError(code));
    expect(kind.retryable).toBe(false);
    expect(kind.rowLevel).toBe(rowLevel);
    expect(kind.connectionLost).toBe(false);
  });

  it('treats socket errors and pg connection messages as a lost connection', () => {
    expect(postgresErrorKind(sqlError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'))).toMatchObject({ retryable: true, connectionLost: true });
    expect(postgresErrorKind(sqlError('ECONNRESET'))).toMatchObject({ retryable: true, connectionLost: true });
    expect(postgresErrorKind(new Error('Connection terminated unexpectedly'))).toMatchObject({ retryable: true, connectionLost: true });
    expect(postgresErrorKind(new Error('Client has encountered a connection error and is not queryable'))).toMatchObject({ retryable: true, connectionLost: true });
  });

  it('does not retry an unknown error', () => {
    expect(postgresErrorKind(new TypeError('x is undefined'))).toMatchObject({ retryable: false, rowLevel: false, code: 'unknown' });
    expect(postgresErrorKind('a string')).toMatchObject({ retryable: false });
  });
});

describe('classifyPostgresError', () => {
  it('gives a TransientError for retryable states and a PermanentError otherwise, coded by SQLSTATE', () => {
    const transient = classifyPostgresError(sqlError('40P01', 'deadlock detected'), 'writing 3 rows');
    expect(transient).toBeInstanceOf(TransientError);
    expect(transient.code).toBe('postgres_40P01');
    expect(transient.message).toContain('writing 3 rows');
    expect(transient.message).toContain('SQLSTATE 40P01');
    const permanent = classifyPostgresError(sqlError('42703', 'column "x" does not exist'), 'writing');
    expect(permanent).toBeInstanceOf(PermanentError);
    expect(permanent.retryable).toBe(false);
  });

  it('keeps the server detail and blanks out secrets', () => {
    const error = Object.assign(sqlError('28P01', 'password authentication failed, tried s3cr3t!'), { detail: 'more about s3cr3t!' });
    const classified = classifyPostgresError(error, 'connecting', ['s3cr3t!']);
    expect(classified.message).not.toContain('s3cr3t!');
    expect(classified.message).toContain('more about ***');
  });

  it('passes engine errors through unchanged', () => {
    const original = new PermanentError('fenced', { code: 'postgres_fenced' });
    expect(classifyPostgresError(original, 'writing')).toBe(original);
  });
});
