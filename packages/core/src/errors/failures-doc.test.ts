import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  AUTHORIZATION_ERROR_TYPES,
  RECORD_PRODUCTION_TYPES,
  RETRIABLE_CLIENT_ERRORS,
  TASK_MIGRATED_TYPES,
  classifyError,
  isRecordProductionError,
} from './error-classification.js';
import type { ErrorCategory } from './streams-error.js';

/**
 * Keeps the classification table of docs/failures.md true: each row (error, how it is recognized,
 * category) is turned into an error shaped as kafkajs or Node makes it, and classifyError must give
 * the row's category; every entry of the classifier's sets must have its row, in the sets' order.
 */

const DOC = join(dirname(fileURLToPath(import.meta.url)), '../../../../docs/failures.md');

interface Row {
  readonly error: string;
  readonly recognizedBy: string;
  readonly category: string;
}

/** The rows of the table under "## Which error is which". */
function classificationRows(markdown: string): Row[] {
  const section = markdown.split(/^## /m).find((s) => s.startsWith('Which error is which'));
  if (section === undefined) throw new Error('docs/failures.md has no "## Which error is which" section');
  const lines = section.split('\n').filter((l) => l.startsWith('|'));
  const [header, separator, ...body] = lines;
  expect(header).toMatch(/^\| error \| recognized by \| category \| what happens \|$/);
  expect(separator).toMatch(/^\|(-+\|)+$/);
  return body.map((line) => {
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    const error = /^`([A-Za-z_]+)`$/.exec(cells[0] ?? '')?.[1];
    if (error === undefined || cells.length !== 4) throw new Error(`a row of the table is not "| \`name\` | how | category | what |": ${line}`);
    return { error, recognizedBy: cells[1]!, category: cells[2]! };
  });
}

/** An error shaped as the row says it is recognized. */
function errorFor(row: Row): Error {
  const fields: Record<string, unknown> = {};
  let name = 'Error';
  switch (row.recognizedBy) {
    case 'protocol type':
      name = 'KafkaJSProtocolError';
      Object.assign(fields, { type: row.error, retriable: false });
      break;
    case 'error class':
      name = row.error;
      break;
    case 'socket code':
    case 'error code':
      fields['code'] = row.error;
      break;
    case 'retriable flag':
      name = row.error;
      // A type that none of the classifier's sets names: only the flag decides.
      Object.assign(fields, { type: 'NOT_LEADER_OR_FOLLOWER', retriable: true });
      break;
    default:
      throw new Error(`unknown "recognized by" in the row of ${row.error}: '${row.recognizedBy}'`);
  }
  // A message that none of the classifier's message rules matches.
  const error = Object.assign(new Error('some failure'), fields);
  error.name = name;
  return error;
}

const rows = classificationRows(readFileSync(DOC, 'utf8'));
const CATEGORIES: readonly string[] = ['retriable', 'task-migrated', 'fatal'] satisfies ErrorCategory[];

describe('docs/failures.md: the classification table', () => {
  it('has rows, each with a known category', () => {
    expect(rows.length).toBeGreaterThan(20);
    for (const row of rows) expect(CATEGORIES, row.error).toContain(row.category);
  });

  it.each(rows.map((r) => [r.error, r.recognizedBy, r.category, r] as const))('%s (%s) is %s', (_error, _by, category, row) => {
    expect(classifyError(errorFor(row))).toBe(category);
  });

  it('the same error wrapped by kafkajs after its retries keeps the row category', () => {
    for (const row of rows) {
      const wrapped = Object.assign(new Error('retries exceeded'), { cause: errorFor(row) });
      wrapped.name = 'KafkaJSNumberOfRetriesExceeded';
      expect(classifyError(wrapped), row.error).toBe(row.category);
    }
  });

  it('the record types are the ones that go the production path', () => {
    for (const row of rows.filter((r) => r.recognizedBy === 'protocol type')) {
      expect(isRecordProductionError(errorFor(row)), row.error).toBe(RECORD_PRODUCTION_TYPES.has(row.error));
    }
  });

  it.each([
    ['TASK_MIGRATED_TYPES', TASK_MIGRATED_TYPES, 'protocol type', 'task-migrated'],
    ['RECORD_PRODUCTION_TYPES', RECORD_PRODUCTION_TYPES, 'protocol type', 'fatal'],
    ['AUTHORIZATION_ERROR_TYPES', AUTHORIZATION_ERROR_TYPES, 'protocol type', 'fatal'],
    ['RETRIABLE_CLIENT_ERRORS', RETRIABLE_CLIENT_ERRORS, 'error class', 'retriable'],
  ] as const)('lists every entry of %s, in its order, with its category', (_name, set, recognizedBy, category) => {
    const listed = rows.filter((r) => set.has(r.error));
    expect(listed.map((r) => r.error)).toEqual([...set]);
    for (const row of listed) expect(row, row.error).toMatchObject({ recognizedBy, category });
  });

  it('names no error twice', () => {
    const names = rows.map((r) => r.error);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });
});
