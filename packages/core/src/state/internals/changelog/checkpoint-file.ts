import { open, readFile, rename, rm } from 'node:fs/promises';

/** The JSON in `<taskDir>/<storeName>.checkpoint`. */
interface CheckpointJson {
  version: 1;
  /** The changelog offset to restore from: every record before it is in the store. */
  offset: string;
  /** The changelog partition the offset belongs to, when the store was logged. */
  topic?: string;
  partition?: number;
}

const OFFSET = /^\d+$/;

/**
 * Rejects anything but a Kafka offset written as a decimal string, as kafkajs gives offsets.
 *
 * @internal
 */
export function assertCheckpointOffset(storeName: string, offset: string): void {
  if (typeof offset !== 'string' || !OFFSET.test(offset)) {
    throw new TypeError(`state store '${storeName}': checkpoint offset must be a non-negative integer string, got ${JSON.stringify(offset)}`);
  }
}

/**
 * Reads a checkpoint; undefined when there is none or it is not usable (unreadable JSON, another
 * changelog partition): the store then counts as having no known position and is restored from the
 * beginning, which is always correct, only slower.
 *
 * @internal
 */
export async function readCheckpoint(path: string, changelog?: { topic: string; partition: number }): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let json: Partial<CheckpointJson>;
  try {
    json = JSON.parse(text) as Partial<CheckpointJson>;
  } catch {
    return undefined;
  }
  if (json.version !== 1 || typeof json.offset !== 'string' || !OFFSET.test(json.offset)) return undefined;
  if (changelog !== undefined && json.topic !== undefined && (json.topic !== changelog.topic || json.partition !== changelog.partition)) {
    return undefined;
  }
  return json.offset;
}

/**
 * Writes a checkpoint durably and atomically: a temporary file, fsync, then rename, so a crash
 * leaves either the old checkpoint or the new one, never a torn file.
 *
 * @internal
 */
export async function writeCheckpoint(path: string, offset: string, changelog?: { topic: string; partition: number }): Promise<void> {
  const json: CheckpointJson = { version: 1, offset };
  if (changelog !== undefined) {
    json.topic = changelog.topic;
    json.partition = changelog.partition;
  }
  const temporary = `${path}.tmp`;
  const file = await open(temporary, 'w');
  try {
    await file.writeFile(`${JSON.stringify(json)}\n`, 'utf8');
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
}

/** @internal */
export async function removeCheckpoint(path: string): Promise<void> {
  await rm(path, { force: true });
  await rm(`${path}.tmp`, { force: true });
}
