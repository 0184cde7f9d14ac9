import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../config/config-error.js';
import { cleanUpStateDirectory, lockStateDirectory, StateDirectoryLockedError, takeOver, type StateDirectoryLock } from './state-directory.js';

const BOOT_ID = '/proc/sys/kernel/random/boot_id';

let root: string;
let dir: string;
const locks: StateDirectoryLock[] = [];

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'rivulet-state-dir-'));
  dir = join(root, 'app');
});

afterEach(async () => {
  for (const lock of locks.splice(0)) await lock.release();
  rmSync(root, { recursive: true, force: true });
});

async function lock(directory = dir, applicationId = 'app'): Promise<StateDirectoryLock> {
  const taken = await lockStateDirectory(directory, applicationId);
  locks.push(taken);
  return taken;
}

const lockFile = () => join(dir, '.lock');
const readLock = () => JSON.parse(readFileSync(lockFile(), 'utf8')) as Record<string, unknown>;

/** A lock file as another instance would have written it. */
function writeForeignLock(fields: Record<string, unknown>): string {
  mkdirSync(dir, { recursive: true });
  const text = `${JSON.stringify({ version: 1, pid: 1, hostname: hostname(), applicationId: 'other-app', startedAt: '2024-05-01T10:00:00.000Z', token: 'f00d', ...fields })}\n`;
  writeFileSync(lockFile(), text);
  return text;
}

/** The pid of a process that was spawned and has exited: no process has it now (barring reuse). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  expect(child.status).toBe(0);
  return child.pid!;
}

async function lockError(directory = dir): Promise<StateDirectoryLockedError> {
  const error: unknown = await lockStateDirectory(directory, 'app').then(
    (taken) => {
      locks.push(taken);
      return undefined;
    },
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(StateDirectoryLockedError);
  return error as StateDirectoryLockedError;
}

describe('lockStateDirectory', () => {
  it('creates the directory and a lock file naming this process, and release removes it', async () => {
    const before = Date.now();
    const taken = await lock(dir, 'word-count');
    expect(readLock()).toMatchObject({ version: 1, pid: process.pid, hostname: hostname(), applicationId: 'word-count' });
    expect(Date.parse(readLock()['startedAt'] as string)).toBeGreaterThanOrEqual(before - 1);
    // Only the lock file: the temporary file it was written to is gone.
    expect(readdirSync(dir)).toEqual(['.lock']);
    await taken.release();
    expect(readdirSync(dir)).toEqual([]);
    await taken.release(); // twice is harmless
  });

  it('refuses a second lock in this process with a ConfigError on stateDir naming the directory and the holder, until released', async () => {
    const first = await lock(dir, 'first-app');
    const error = await lockError();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.setting).toBe('stateDir');
    expect(error.directory).toBe(dir);
    expect(error.lockFile).toBe(lockFile());
    expect(error.holder).toMatchObject({ pid: process.pid, hostname: hostname(), applicationId: 'first-app' });
    expect(error.message).toContain(`stateDir '${dir}' is in use by another app in this process (pid ${process.pid}, application 'first-app'`);
    expect(readLock()).toMatchObject({ applicationId: 'first-app' });
    await first.release();
    await lock();
    expect(readLock()).toMatchObject({ applicationId: 'app' });
  });

  it('refuses a lock held by a live process on this host, and leaves its lock file alone', async () => {
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      const text = writeForeignLock({ pid: other.pid });
      const error = await lockError();
      expect(error.holder).toEqual({ pid: other.pid, hostname: hostname(), applicationId: 'other-app', startedAt: '2024-05-01T10:00:00.000Z' });
      expect(error.message).toContain(`stateDir '${dir}' is in use by pid ${other.pid} on this host`);
      expect(error.message).toContain('give each its own stateDir, or stop the other instance first');
      expect(readFileSync(lockFile(), 'utf8')).toBe(text);
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('takes over a stale lock: same host, and its pid is not alive', async () => {
    const pid = deadPid();
    writeForeignLock({ pid });
    const taken = await lock();
    expect(readLock()).toMatchObject({ pid: process.pid, applicationId: 'app' });
    expect(readdirSync(dir)).toEqual(['.lock']);
    await taken.release();
    expect(existsSync(lockFile())).toBe(false);
  });

  it("takes over a lock with this process's own pid that this process does not hold (a restarted container is pid 1 again)", async () => {
    writeForeignLock({ pid: process.pid, token: 'left-by-an-earlier-process' });
    await lock();
    expect(readLock()).toMatchObject({ pid: process.pid, applicationId: 'app' });
  });

  it.runIf(existsSync(BOOT_ID))('takes over a lock from an earlier boot of this host, even if its pid is alive now', async () => {
    writeForeignLock({ pid: process.ppid, bootId: 'an-earlier-boot' });
    await lock();
    expect(readLock()).toMatchObject({ pid: process.pid });
  });

  it('never takes over a lock from another host, even if no process has its pid here', async () => {
    const text = writeForeignLock({ pid: deadPid(), hostname: 'other-host.example' });
    const error = await lockError();
    expect(error.holder).toMatchObject({ hostname: 'other-host.example', applicationId: 'other-app' });
    expect(error.message).toContain(`is locked by pid ${error.holder!.pid} on another host, other-host.example`);
    expect(error.message).toContain(`never takes over a lock from another host`);
    expect(error.message).toContain(`if that instance is gone, delete ${lockFile()} by hand`);
    expect(readFileSync(lockFile(), 'utf8')).toBe(text);
  });

  it.each([
    ['torn', '{"version":1,"pid":12', 'it is not complete JSON'],
    ['empty', '', 'it is empty'],
    ['not a lock of Rivulet', '{"owner":"someone"}', 'it is not a Rivulet lock of version 1'],
    ['a lock with pid 0 (which would signal the whole process group)', JSON.stringify({ version: 1, pid: 0, hostname: hostname(), applicationId: 'a', startedAt: 'x', token: 't' }), 'it is not a Rivulet lock of version 1'],
  ])('counts an unreadable lock file (%s) as held, saying how to remove it', async (_, text, reason) => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(lockFile(), text);
    const error = await lockError();
    expect(error.holder).toBeUndefined();
    expect(error.setting).toBe('stateDir');
    expect(error.message).toContain(`stateDir '${dir}' is locked, but its lock file ${lockFile()} cannot be read (${reason}`);
    expect(error.message).toContain(`If no Rivulet instance runs on this directory, delete ${lockFile()} by hand.`);
    expect(readFileSync(lockFile(), 'utf8')).toBe(text);
  });

  it('gives the lock to exactly one of many concurrent callers', async () => {
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => lockStateDirectory(dir, `app-${i}`)));
    const won = results.filter((r) => r.status === 'fulfilled');
    for (const r of won) locks.push(r.value);
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(StateDirectoryLockedError);
  });

  it('gives a stale lock to exactly one of many concurrent callers', async () => {
    writeForeignLock({ pid: deadPid() });
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => lockStateDirectory(dir, `app-${i}`)));
    const won = results.filter((r) => r.status === 'fulfilled');
    for (const r of won) locks.push(r.value);
    expect(won).toHaveLength(1);
    expect(readLock()).toMatchObject({ pid: process.pid });
    expect(readdirSync(dir)).toEqual(['.lock']);
  });

  it('a slow taker-over does not remove the lock a faster one wrote in place of the stale lock', async () => {
    // Two instances found the same stale lock; the faster one took it over, then the slower one
    // comes to remove what it judged stale: it finds another lock there and leaves it.
    const stale = writeForeignLock({ pid: deadPid() });
    await lock(dir, 'faster');
    const faster = readFileSync(lockFile(), 'utf8');
    expect(await takeOver(dir, lockFile(), stale)).toBe(true);
    expect(readFileSync(lockFile(), 'utf8')).toBe(faster);
    // While another instance is taking over (its takeover file exists), nothing is removed.
    writeFileSync(lockFile(), stale);
    writeFileSync(join(dir, '.lock.takeover'), '{}');
    expect(await takeOver(dir, lockFile(), stale)).toBe(false);
    expect(readFileSync(lockFile(), 'utf8')).toBe(stale);
  });

  it('waits for a takeover in progress, then refuses when it did not finish, naming both files', async () => {
    writeForeignLock({ pid: deadPid() });
    writeFileSync(join(dir, '.lock.takeover'), '{}');
    const error = await lockError();
    expect(error.message).toContain(`the takeover of a stale lock did not finish within 2000 ms (${join(dir, '.lock.takeover')} is still there)`);
    expect(error.message).toContain(`delete ${join(dir, '.lock.takeover')} and ${lockFile()} by hand`);
  });

  it('release() leaves alone a lock that is no longer its own', async () => {
    const taken = await lock();
    // Deleted by hand and taken by another instance meanwhile.
    const text = writeForeignLock({ pid: process.pid, token: 'someone-else' });
    await taken.release();
    expect(readFileSync(lockFile(), 'utf8')).toBe(text);
  });

  it('reports a stateDir that cannot be a directory as a ConfigError on stateDir', async () => {
    writeFileSync(join(root, 'a-file'), '');
    const error: unknown = await lockStateDirectory(join(root, 'a-file', 'app'), 'app').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).setting).toBe('stateDir');
    expect((error as Error).message).toMatch(/stateDir '.*a-file\/app' is not usable \(ENOTDIR/);
  });
});

describe('cleanUpStateDirectory', () => {
  it("deletes the task directories and the global stores' folder, nothing else: not the user's files, folders of other names, or links", async () => {
    mkdirSync(join(dir, '0_0', 'counts'), { recursive: true });
    mkdirSync(join(dir, 'global', 'names'), { recursive: true });
    writeFileSync(join(dir, '0_0', 'counts', 'data.mdb'), 'data');
    writeFileSync(join(dir, '0_0', 'counts.checkpoint'), '{}');
    mkdirSync(join(dir, '12_3'));
    // Not Rivulet's: other names, a file named like a task, a link named like a task.
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    mkdirSync(join(dir, 'backup', '0_1'), { recursive: true });
    mkdirSync(join(dir, '0_1x'));
    mkdirSync(join(dir, 'a_1'));
    writeFileSync(join(dir, '3_1'), 'a file');
    const elsewhere = join(root, 'elsewhere');
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, 'keep.txt'), 'keep');
    symlinkSync(elsewhere, join(dir, '2_0'));

    expect(await cleanUpStateDirectory(dir, 'app')).toEqual(['0_0', '12_3', 'global']);
    expect(readdirSync(dir).sort()).toEqual(['0_1x', '2_0', '3_1', 'a_1', 'backup', 'notes.txt']);
    expect(readdirSync(join(dir, 'backup'))).toEqual(['0_1']);
    expect(readFileSync(join(elsewhere, 'keep.txt'), 'utf8')).toBe('keep');
    // The lock was taken while it worked and is released.
    expect(existsSync(lockFile())).toBe(false);
  });

  it('refuses while another instance holds the lock, and deletes nothing', async () => {
    mkdirSync(join(dir, '0_0'), { recursive: true });
    await lock(dir, 'running-app');
    const error: unknown = await cleanUpStateDirectory(dir, 'app').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StateDirectoryLockedError);
    expect((error as Error).message).toContain("application 'running-app'");
    expect(existsSync(join(dir, '0_0'))).toBe(true);
  });

  it('leaves a directory that does not exist as it is', async () => {
    expect(await cleanUpStateDirectory(dir, 'app')).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  });
});
