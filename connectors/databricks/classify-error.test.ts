import { describe, expect, it } from 'vitest';
import { PermanentError, TransientError } from '../../engine/index.js';
import { classifyDatabricksError, databricksErrorKind } from './classify-error.js';

/** What the driver raises for a failed statement: `OperationStateError` carrying the status response. */
function statementError(message: string, sqlState?: string): Error {
  return Object.assign(new Error(message), { errorCode: 'ERROR', response: { displayMessage: message, errorMessage: message, ...(sqlState === undefined ? {} : { sqlState }) } });
}

describe('databricksErrorKind', () => {
  it.each([
    ['[DELTA_NOT_NULL_CONSTRAINT_VIOLATED] NOT NULL constraint violated for column: id.', '23502'],
    ['[DELTA_VIOLATE_CONSTRAINT_WITH_VALUES] CHECK constraint positive (amount >= 0) violated by row with values:\n - amount : -1', '23001'],
    ['[CAST_INVALID_INPUT] The value \'x\' of the type "STRING" cannot be cast to "DOUBLE"', '22018'],
    ['[DELTA_MULTIPLE_SOURCE_ROW_MATCHING_TARGET_ROW_IN_MERGE] Cannot perform Merge', '21506'],
  ])('isolates rows rejected for their values: %s', (message, sqlState) => {
    const kind = databricksErrorKind(statementError(message, sqlState));
    expect(kind).toMatchObject({ rowLevel: true, retryable: false, sqlState });
    expect(kind.code).toBe(/^\[([A-Z_]+)\]/.exec(message)![1]);
  });

  it.each([
    ['[PARSE_SYNTAX_ERROR] Syntax error at or near \'SELEC\'', '42601'],
    ['[TABLE_OR_VIEW_NOT_FOUND] The table or view `x` cannot be found.', '42P01'],
    ['[INSUFFICIENT_PERMISSIONS] User does not have MODIFY on Table', '42501'],
    ['[DELTA_FAILED_TO_MERGE_FIELDS] Failed to merge fields', '42KD9'],
  ])('stops on what another attempt cannot fix: %s', (message, sqlState) => {
    expect(databricksErrorKind(statementError(message, sqlState))).toMatchObject({ rowLevel: false, retryable: false });
  });

  it.each([
    ['[DELTA_CONCURRENT_APPEND] ConcurrentAppendException: Files were added', '2D521'],
    ['[TEMPORARILY_UNAVAILABLE] The service is temporarily unavailable', undefined],
    ['Request was throttled [THROTTLED]', undefined],
    ['serialization failure', '40001'],
  ])('retries throttling, starting warehouses and concurrent commits: %s', (message, sqlState) => {
    expect(databricksErrorKind(statementError(message, sqlState))).toMatchObject({ retryable: true, rowLevel: false });
  });

  it('retries a lost session or connection, and says so', () => {
    const status = Object.assign(new Error('Invalid SessionHandle: SessionHandle [5f2a]'), { name: 'Status Error', code: -1 });
    expect(databricksErrorKind(status)).toMatchObject({ retryable: true, sessionLost: true });
    const refused = Object.assign(new Error('request to https://127.0.0.1:1/sql failed, reason: connect ECONNREFUSED'), { type: 'system', code: 'ECONNREFUSED' });
    expect(databricksErrorKind(refused)).toMatchObject({ retryable: true, sessionLost: true, code: 'ECONNREFUSED' });
    const http = Object.assign(new Error('Received a response with a bad HTTP status code: 503'), { statusCode: 503 });
    expect(databricksErrorKind(http)).toMatchObject({ retryable: true, code: 'http_503' });
    // A network error on a Thrift command (here GetOperationStatus) once the driver's one attempt is used up.
    const dropped = Object.assign(new Error('Hive driver: Error when connecting to resource. Max retry count exceeded.'), { name: 'HiveDriverError' });
    expect(databricksErrorKind(dropped)).toMatchObject({ retryable: true, sessionLost: true });
    const unauthorized = Object.assign(new Error('Received a response with a bad HTTP status code: 401'), { statusCode: 401 });
    expect(databricksErrorKind(unauthorized)).toMatchObject({ retryable: false, code: 'http_401' });
  });

  it('reads the SQLSTATE from the message when the status carries none', () => {
    expect(databricksErrorKind(new Error('[X_Y] something. SQLSTATE: 23505'))).toMatchObject({ rowLevel: true, sqlState: '23505' });
  });

  it('does not retry a surprise', () => {
    expect(databricksErrorKind(new Error('something odd'))).toMatchObject({ retryable: false, rowLevel: false, code: 'unknown' });
  });
});

describe('classifyDatabricksError', () => {
  it('names the action, keeps the class as code, and never shows a secret', () => {
    const error = classifyDatabricksError(statementError('[TABLE_OR_VIEW_NOT_FOUND] dapi-secret-token not found', '42P01'), 'writing 3 rows', ['dapi-secret-token']);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.code).toBe('databricks_TABLE_OR_VIEW_NOT_FOUND');
    expect(error.message).toBe('databricks: writing 3 rows: [TABLE_OR_VIEW_NOT_FOUND] *** not found (SQLSTATE 42P01)');
    expect(classifyDatabricksError(Object.assign(new Error('x'), { statusCode: 429 }), 'writing')).toBeInstanceOf(TransientError);
  });
});
