import type { Headers } from '@rivulet/serde';
import type { ErrorStage } from './processing-error.js';

/** Header names Rivulet sets on a dead-letter record. */
export const DEAD_LETTER_HEADERS = {
  /** The step that failed: `deserialization`, `processing` or `production`. */
  stage: 'rivulet.error.stage',
  /** The error's `name`, e.g. `SerdeError`. */
  errorClass: 'rivulet.error.class',
  /** The error's `code` when it has one, e.g. `UNKNOWN_SCHEMA_ID` for a serde failure (see `SerdeErrorCode`). */
  errorCode: 'rivulet.error.code',
  /** The error's message, cut to 4000 characters. */
  errorMessage: 'rivulet.error.message',
  /** The input record's topic. */
  topic: 'rivulet.source.topic',
  /** The input record's partition, as a decimal string. */
  partition: 'rivulet.source.partition',
  /** The input record's offset, as a decimal string. */
  offset: 'rivulet.source.offset',
  /** The `applicationId` of the app that wrote it. */
  applicationId: 'rivulet.application.id',
} as const;

/**
 * The headers of a dead-letter record: the original headers, plus why and where it failed. The key
 * and value stay the original bytes, so the record can be inspected and replayed as it was.
 */
export function deadLetterHeaders(
  original: Headers | undefined,
  why: { stage: ErrorStage; error: Error; applicationId: string; topic: string; partition: number; offset: string },
): Headers {
  const code = (why.error as { code?: unknown }).code;
  return {
    ...original,
    [DEAD_LETTER_HEADERS.stage]: why.stage,
    [DEAD_LETTER_HEADERS.errorClass]: why.error.name,
    ...(typeof code === 'string' ? { [DEAD_LETTER_HEADERS.errorCode]: code } : {}),
    [DEAD_LETTER_HEADERS.errorMessage]: why.error.message.slice(0, 4000),
    [DEAD_LETTER_HEADERS.topic]: why.topic,
    [DEAD_LETTER_HEADERS.partition]: String(why.partition),
    [DEAD_LETTER_HEADERS.offset]: why.offset,
    [DEAD_LETTER_HEADERS.applicationId]: why.applicationId,
  };
}
