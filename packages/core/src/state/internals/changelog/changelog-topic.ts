/** Kafka's legal topic characters; a store name also names files, so the same set serves both. */
const LEGAL_NAME = /^[a-zA-Z0-9._-]+$/;
const MAX_TOPIC_LENGTH = 249;

/**
 * The changelog topic of a store: `<applicationId>-<storeName>-changelog`, as in Kafka Streams.
 *
 * @example
 * changelogTopic('word-count', 'word-counts'); // 'word-count-word-counts-changelog'
 */
export function changelogTopic(applicationId: string, storeName: string): string {
  assertValidStoreName(storeName);
  if (!LEGAL_NAME.test(applicationId)) {
    throw new TypeError(`applicationId ${JSON.stringify(applicationId)} is not usable in a topic name: use letters, digits, '.', '_' and '-'`);
  }
  const topic = `${applicationId}-${storeName}-changelog`;
  if (topic.length > MAX_TOPIC_LENGTH) {
    throw new TypeError(`changelog topic '${topic}' is longer than Kafka's ${MAX_TOPIC_LENGTH} characters: shorten the applicationId or the store name`);
  }
  return topic;
}

/**
 * Checks a store name where a store is defined: it becomes part of a topic name and of file names
 * in the state directory.
 *
 * @internal
 */
export function assertValidStoreName(name: string): void {
  if (!LEGAL_NAME.test(name) || name === '.' || name === '..') {
    throw new TypeError(
      `state store name ${JSON.stringify(name)} is not allowed: use letters, digits, '.', '_' and '-' (it names the changelog topic and the store's files)`,
    );
  }
}
