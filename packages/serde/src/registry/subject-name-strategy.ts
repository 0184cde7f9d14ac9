/** What a subject name strategy is given. */
export interface SubjectNameContext {
  /** The topic the serde reads or writes. */
  topic: string;
  /** Whether the serde writes keys or values. */
  part: 'key' | 'value';
  /** The record's full name (`com.acme.User`; a JSON Schema's `title`), when the schema has one. */
  recordName: string | undefined;
}

/**
 * How a serde names the registry subject of its schema, as Confluent's strategies do:
 * - `topic` (default, `TopicNameStrategy`): `<topic>-key` / `<topic>-value`, one schema per topic;
 * - `record` (`RecordNameStrategy`): the record's full name, one schema per record type, on any topic;
 * - `topic-record` (`TopicRecordNameStrategy`): `<topic>-<record full name>`;
 * - or a function of {@link SubjectNameContext}.
 *
 * @example
 * registryAvroSerde({ registry, schema: User, subjectNameStrategy: 'record' }); // subject com.acme.User
 */
export type SubjectNameStrategy = 'topic' | 'record' | 'topic-record' | ((context: SubjectNameContext) => string);

/** @internal */
export function validateSubjectNameStrategy(factory: string, strategy: unknown, recordName: string | undefined, nameSource: string): SubjectNameStrategy {
  if (strategy === undefined) return 'topic';
  if (typeof strategy === 'function') return strategy as SubjectNameStrategy;
  if (strategy !== 'topic' && strategy !== 'record' && strategy !== 'topic-record') {
    throw new TypeError(
      `${factory}: options.subjectNameStrategy must be 'topic', 'record', 'topic-record' or a function, got ${JSON.stringify(strategy)}`,
    );
  }
  if (strategy !== 'topic' && recordName === undefined) {
    throw new TypeError(`${factory}: options.subjectNameStrategy '${strategy}' needs a record name, and the schema has none (${nameSource})`);
  }
  return strategy;
}

/** @internal */
export function subjectName(strategy: SubjectNameStrategy, context: SubjectNameContext): string {
  switch (strategy) {
    case 'topic':
      return `${context.topic}-${context.part}`;
    case 'record':
      return context.recordName!;
    case 'topic-record':
      return `${context.topic}-${context.recordName!}`;
    default:
      return strategy(context);
  }
}
