/**
 * An app's state directory (its `stateDir`): the lock that keeps a second instance out of it while
 * the app runs, and the clean-up of what Rivulet keeps in it (its task directories).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, lstat, mkdir, open, readdir, readFile, rm, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../config/config-error.js';

/** The lock file's name in the state directory. */
const LOCK_FILE = '.lock';
/** Created (exclusively) by the one instance that removes a stale lock; see {@link takeOver}. */
const TAKEOVER_FILE = '.lock.takeover';
/**
 * What clean-up removes: a task directory (`<subtopology>_<partition>`, as `taskIdOf` names it) and
 * the global stores' directory (`global`), as Kafka Streams' cleanUp() removes both.
 */
const TASK_DIRECTORY = /^(\d+_\d+|global)$/;
/** How long to wait for another instance's takeover of a stale lock before giving up. */
const TAKEOVER_WAIT_MS = 2_000;
/** fs error codes that say the directory itself is not usable: fixing `stateDir` is the answer. */
const UNUSABLE = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EEXIST', 'ENAMETOOLONG', 'ELOOP', 'ENOSPC']);
/** Hard links are not supported there (some FAT, SMB and FUSE mounts): fall back to an exclusive open. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK']);

/** Who holds a state directory's lock, as its lock file says. */
export interface StateDirectoryLockHolder {
  /** The process id of the instance holding the lock. */
  readonly pid: number;
  /** The host it runs on (`os.hostname()`). */
  readonly hostname: string;
  /** Its `applicationId`. */
  readonly applicationId: string;
  /** When it took the lock, as an ISO 8601 date. */
  readonly startedAt: string;
}

/** The lock file's JSON. */
interface LockJson extends StateDirectoryLockHolder {
  readonly version: 1;
  /** Tells this lock from a later one with the same pid: a release removes only its own. */
  readonly token: string;
  /** The kernel's boot id where there is one (Linux): a lock from an earlier boot is stale whatever its pid. */
  readonly bootId?: string;
}

/**
 * Thrown by `StreamsApp.start()` and `StreamsApp.cleanUp()` when another instance holds the lock
 * of the app's `stateDir`, or its lock file cannot be read. Two instances on one state directory
 * would open the same task stores, and one would wipe data the other is writing. It is a
 * {@link ConfigError} on the setting `stateDir` (so `runApp` exits with `EXIT_CODES.CONFIG`): give
 * each instance its own `stateDir`, or stop the other one. A lock left by a process that is gone
 * on this host is taken over without this error; one from another host never is.
 *
 * @example
 * ```ts
 * try {
 *   await app.start();
 * } catch (error) {
 *   if (error instanceof StateDirectoryLockedError) console.error(error.lockFile, error.holder?.pid, error.holder?.hostname);
 * }
 * ```
 */
export class StateDirectoryLockedError extends ConfigError {
  /** The state directory (the `stateDir` setting). */
  readonly directory: string;
  /** Its lock file, `<stateDir>/.lock`. */
  readonly lockFile: string;
  /** Who holds the lock, or undefined when the lock file cannot be read. */
  readonly holder: StateDirectoryLockHolder | undefined;

  /**
   * @param directory - The state directory.
   * @param holder - Who holds its lock, if the lock file could be read.
   * @param message - What holds it and what to do, naming `stateDir`.
   */
  constructor(directory: string, holder: StateDirectoryLockHolder | undefined, message: string) {
    super([{ setting: 'stateDir', message }]);
    this.directory = directory;
    this.lockFile = join(directory, LOCK_FILE);
    this.holder = holder;
  }
}

/**
 * A held lock on a state directory.
 *
 * @internal
 */
export interface StateDirectoryLock {
  /** The state directory. */
  readonly directory: string;
  /** Removes the lock file if it is still this lock's; safe to call more than once. */
  release(): Promise<void>;
}

/**
 * Tokens of the locks this process holds, shared by every copy of this module loaded in the
 * process: a lock file with this process's pid whose token is not here was left by an earlier
 * process that had the same pid (a restarted container is pid 1 again), so it is stale.
 */
const HELD_KEY = Symbol.for('rivulet.stateDirectoryLocks');
const held: Set<string> = ((globalThis as Record<symbol, unknown>)[HELD_KEY] ??= new Set<string>()) as Set<string>;

let bootIdRead = false;
let bootIdValue: string | undefined;

/** This machine's boot id on Linux; undefined elsewhere. */
function bootId(): string | undefined {
  if (!bootIdRead) {
    bootIdRead = true;
    try {
      bootIdValue = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
    } catch {
      bootIdValue = undefined;
    }
  }
  return bootIdValue;
}

/**
 * Takes the lock of a state directory, creating the directory if needed: `<directory>/.lock`, a
 * JSON file with this process's pid, host name, application id and start time. It is written to a
 * temporary file, synced, then hard-linked to `.lock`, which fails if `.lock` exists: so taking it
 * is exclusive (O_EXCL) and a `.lock` is never seen half written.
 *
 * An existing lock is taken over only when it is stale: on this host (same host name) and its pid
 * is not alive, or is this process's own pid but not held by this process (an earlier process with
 * the same pid, as a restarted container), or it dates from an earlier boot of this machine.
 * Otherwise this throws a {@link StateDirectoryLockedError}: held by a live process, by another
 * app in this process, by another host (never taken over: Rivulet cannot tell if it still runs),
 * or an unreadable lock file (counted as held).
 *
 * @internal
 */
export async function lockStateDirectory(directory: string, applicationId: string): Promise<StateDirectoryLock> {
  const lockFile = join(directory, LOCK_FILE);
  const own: LockJson = {
    version: 1,
    pid: process.pid,
    hostname: hostname(),
    applicationId,
    startedAt: new Date().toISOString(),
    token: randomBytes(12).toString('hex'),
    ...(bootId() !== undefined ? { bootId: bootId()! } : {}),
  };
  const text = `${JSON.stringify(own)}\n`;
  await usable(directory, () => mkdir(directory, { recursive: true }));
  const deadline = Date.now() + TAKEOVER_WAIT_MS;
  for (;;) {
    if (await usable(directory, () => createExclusive(directory, lockFile, own.token, text))) {
      held.add(own.token);
      return { directory, release: releaser(lockFile, own.token) };
    }
    const found = await readLock(lockFile);
    if (found === undefined) continue; // released meanwhile: try again
    if (typeof found.json === 'string') {
      throw new StateDirectoryLockedError(
        directory,
        undefined,
        `stateDir '${directory}' is locked, but its lock file ${lockFile} cannot be read (${found.json}). ` +
          `If no Rivulet instance runs on this directory, delete ${lockFile} by hand.`,
      );
    }
    const holder = found.json;
    const verdict = judge(holder);
    if (verdict !== 'stale') throw new StateDirectoryLockedError(directory, holderOf(holder), lockedMessage(directory, lockFile, holder, verdict));
    if (!(await takeOver(directory, lockFile, found.text))) {
      // Another instance is removing that stale lock now; it normally takes a millisecond.
      if (Date.now() > deadline) {
        const claim = join(directory, TAKEOVER_FILE);
        throw new StateDirectoryLockedError(
          directory,
          holderOf(holder),
          `stateDir '${directory}': the takeover of a stale lock did not finish within ${TAKEOVER_WAIT_MS} ms (${claim} is still there). ` +
            `If no Rivulet instance runs on this directory, delete ${claim} and ${lockFile} by hand.`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/**
 * Deletes what Rivulet keeps in a state directory: its task directories (`<subtopology>_<partition>`,
 * such as `0_3`, with the stores and checkpoints in them) and the global stores' `global`, nothing else. Files and folders of other
 * names, and symbolic links even with a task's name, are left alone; so is the directory itself.
 * Takes the directory's lock while it works (throws a {@link StateDirectoryLockedError} if another
 * instance holds it). A directory that does not exist is left so.
 *
 * @returns The names of the task directories deleted, sorted.
 * @internal
 */
export async function cleanUpStateDirectory(directory: string, applicationId: string): Promise<string[]> {
  try {
    if (!(await lstat(directory)).isDirectory()) return [];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const lock = await lockStateDirectory(directory, applicationId);
  try {
    const removed: string[] = [];
    for (const entry of await readdir(directory, { withFileTypes: true })) {
      // A Dirent describes the entry itself: a symbolic link is not a directory here, so a link
      // named like a task (to a folder elsewhere) is neither followed nor removed.
      if (!entry.isDirectory() || !TASK_DIRECTORY.test(entry.name)) continue;
      await rm(join(directory, entry.name), { recursive: true, force: true });
      removed.push(entry.name);
    }
    return removed.sort();
  } finally {
    await lock.release();
  }
}

/** Runs an fs step on the state directory; an error that says the directory is not usable becomes a ConfigError on `stateDir`. */
async function usable<T>(directory: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined || !UNUSABLE.has(code)) throw error;
    throw new ConfigError([
      { setting: 'stateDir', message: `stateDir '${directory}' is not usable (${(error as Error).message}): give a folder this process can create and write` },
    ]);
  }
}

/** Creates the lock file with `text` unless one exists; true if this call created it. */
async function createExclusive(directory: string, lockFile: string, token: string, text: string): Promise<boolean> {
  const temporary = join(directory, `${LOCK_FILE}.${token}.tmp`);
  try {
    await writeSynced(temporary, 'wx', text);
    // link() is atomic and fails if the target exists: the lock appears whole, or not at all.
    await link(temporary, lockFile);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === undefined || !NO_HARD_LINKS.has(code)) throw error;
  } finally {
    await rm(temporary, { force: true });
  }
  // No hard links on this file system: an exclusive create. A crash before the write is done leaves
  // an empty lock file, which counts as held and says how to remove it.
  try {
    await writeSynced(lockFile, 'wx', text);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

async function writeSynced(path: string, flags: string, text: string): Promise<void> {
  const file = await open(path, flags);
  try {
    await file.writeFile(text, 'utf8');
    await file.sync();
  } finally {
    await file.close();
  }
}

/** The lock file's text and its JSON (or why it is not a usable lock), or undefined if there is none. */
async function readLock(lockFile: string): Promise<{ text: string; json: LockJson | string } | undefined> {
  let text: string;
  try {
    text = await readFile(lockFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { text: '', json: (error as Error).message };
  }
  return { text, json: parseLock(text) };
}

function parseLock(text: string): LockJson | string {
  if (text.length === 0) return 'it is empty';
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'it is not complete JSON';
  }
  const lock = json as Partial<LockJson> | null;
  const valid =
    lock !== null &&
    typeof lock === 'object' &&
    lock.version === 1 &&
    Number.isSafeInteger(lock.pid) &&
    lock.pid! > 0 &&
    typeof lock.hostname === 'string' &&
    typeof lock.applicationId === 'string' &&
    typeof lock.startedAt === 'string' &&
    typeof lock.token === 'string' &&
    (lock.bootId === undefined || typeof lock.bootId === 'string');
  return valid ? (lock as LockJson) : 'it is not a Rivulet lock of version 1';
}

type Verdict = 'stale' | 'alive' | 'this-process' | 'other-host';

/** Whether a lock found may be taken over ('stale'), and if not, why. */
function judge(lock: LockJson): Verdict {
  if (lock.hostname !== hostname()) return 'other-host';
  const boot = bootId();
  if (lock.bootId !== undefined && boot !== undefined && lock.bootId !== boot) return 'stale';
  if (lock.pid === process.pid) return held.has(lock.token) ? 'this-process' : 'stale';
  return isAlive(lock.pid) ? 'alive' : 'stale';
}

/** Signal 0 checks that a process exists without signalling it; EPERM means it exists under another user. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Removes a stale lock, if `.lock` still holds the `staleText` judged stale. Two instances may find
 * the same stale lock at once: only the one that creates the takeover file exclusively removes it,
 * and it re-reads the lock first. Without that, the slower one could remove the lock the faster
 * one has just written, and both would run. False if another instance is taking over right now.
 *
 * @internal
 */
export async function takeOver(directory: string, lockFile: string, staleText: string): Promise<boolean> {
  const claim = join(directory, TAKEOVER_FILE);
  try {
    await writeSynced(claim, 'wx', `${JSON.stringify({ pid: process.pid, hostname: hostname(), at: new Date().toISOString() })}\n`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    const now = await readLock(lockFile);
    if (now !== undefined && now.text === staleText) await unlink(lockFile);
  } finally {
    await unlink(claim);
  }
  return true;
}

function releaser(lockFile: string, token: string): () => Promise<void> {
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    try {
      // Only our own lock: someone may have deleted it by hand and another instance taken it since.
      const found = await readLock(lockFile);
      if (found !== undefined && typeof found.json !== 'string' && found.json.token === token) await unlink(lockFile);
    } finally {
      held.delete(token);
    }
  };
}

function holderOf(lock: LockJson): StateDirectoryLockHolder {
  return { pid: lock.pid, hostname: lock.hostname, applicationId: lock.applicationId, startedAt: lock.startedAt };
}

function lockedMessage(directory: string, lockFile: string, lock: LockJson, verdict: Exclude<Verdict, 'stale'>): string {
  const who = `application '${lock.applicationId}', since ${lock.startedAt}`;
  switch (verdict) {
    case 'this-process':
      return (
        `stateDir '${directory}' is in use by another app in this process (pid ${lock.pid}, ${who}). ` +
        `Two instances must not share a state directory: give each its own stateDir, or close the other app first.`
      );
    case 'alive':
      return (
        `stateDir '${directory}' is in use by pid ${lock.pid} on this host ${lock.hostname} (${who}), which holds ${lockFile}. ` +
        `Two instances must not share a state directory: give each its own stateDir, or stop the other instance first.`
      );
    case 'other-host':
      return (
        `stateDir '${directory}' is locked by pid ${lock.pid} on another host, ${lock.hostname} (${who}), in ${lockFile}. ` +
        `Rivulet cannot tell whether that instance still runs and never takes over a lock from another host: give this ` +
        `instance its own stateDir, or, if that instance is gone, delete ${lockFile} by hand.`
      );
  }
}
