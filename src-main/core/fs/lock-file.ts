/**
 * Exclusive lock files: `<target>.lock` (or any path) created with O_EXCL, holding the owner's host name, process id
 * and start time as JSON. A second taker is refused with LockError naming the owner. A lock is stale, and is taken
 * over, when it was written on this host by a process that no longer exists, or when it is empty or unreadable (a
 * crash between creating and writing it). A lock written on another host cannot have its process checked from here:
 * its holder touches the file every REMOTE_STALE_MS / 4 (a heartbeat), so a lock from another host is stale when it
 * has not been touched for REMOTE_STALE_MS (a cluster job killed on one node, resubmitted on another); until then the
 * message says how to remove it.
 */
import fs from 'node:fs';
import os from 'node:os';
import { writeAllSync } from './atomic-write';

/** A lock from another host untouched for this long is stale (its holder touches it every quarter of this). */
export const REMOTE_STALE_MS = 10 * 60 * 1000;

export interface LockOwner {
  host: string;
  pid: number;
  startedAt: string;
  /** What holds the lock, in words (e.g. "mtcgcnn screen"). */
  purpose?: string;
}

export class LockError extends Error {
  constructor(
    message: string,
    readonly lockPath: string,
    readonly owner?: LockOwner,
  ) {
    super(message);
    this.name = 'LockError';
  }
}

/** True when a process with this id exists on this machine (EPERM: it exists but belongs to another user). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(lockPath: string): LockOwner | undefined {
  try {
    const o = JSON.parse(fs.readFileSync(lockPath, 'utf8')) as Partial<LockOwner>;
    if (typeof o.pid !== 'number') return undefined;
    // Locks written before the host was recorded were written on this host.
    return { host: typeof o.host === 'string' ? o.host : os.hostname(), pid: o.pid, startedAt: String(o.startedAt ?? ''), ...(typeof o.purpose === 'string' ? { purpose: o.purpose } : {}) };
  } catch {
    return undefined;
  }
}

export interface AcquireLockOptions {
  /** Recorded in the lock and shown to whoever is refused. */
  purpose?: string;
  /** What the lock protects, for messages (default: the lock path without ".lock"). */
  target?: string;
}

/**
 * Takes the lock at `lockPath` for this process. Returns the release function (removes the lock if it is still ours).
 * Throws LockError when another live process (or a process on another host) holds it.
 */
export function acquireLock(lockPath: string, options: AcquireLockOptions = {}): () => void {
  const target = options.target ?? lockPath.replace(/\.lock$/, '');
  const me: LockOwner = { host: os.hostname(), pid: process.pid, startedAt: new Date().toISOString(), ...(options.purpose ? { purpose: options.purpose } : {}) };
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = fs.openSync(lockPath, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new LockError(`cannot lock ${target}: ${(err as Error).message}`, lockPath);
      }
      const owner = readOwner(lockPath);
      if (owner) {
        const who = `${owner.purpose ?? 'another process'} (pid ${owner.pid} on ${owner.host}${owner.startedAt ? `, since ${owner.startedAt}` : ''})`;
        if (owner.host !== me.host) {
          if (Date.now() - statTime(lockPath) < REMOTE_STALE_MS) {
            throw new LockError(`${target} is in use by ${who}; if that run has ended, delete ${lockPath}`, lockPath, owner);
          }
        } else if (processAlive(owner.pid)) {
          throw new LockError(`${target} is in use by ${who}; wait for it to finish or stop it first`, lockPath, owner);
        }
      } else if (Date.now() - statTime(lockPath) < 2000) {
        // Just created by another taker that has not written its owner yet: treat as held.
        throw new LockError(`${target} is being locked by another process; try again`, lockPath);
      }
      // Stale: its process is gone (or it was never completed). Take it over.
      fs.rmSync(lockPath, { force: true });
      continue;
    }
    try {
      writeAllSync(fd, Buffer.from(JSON.stringify(me), 'utf8'));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    const heartbeat = setInterval(() => {
      const now = new Date();
      try {
        fs.utimesSync(lockPath, now, now);
      } catch {
        // removed or unreachable: the next taker decides
      }
    }, REMOTE_STALE_MS / 4);
    heartbeat.unref();
    return () => {
      clearInterval(heartbeat);
      const owner = readOwner(lockPath);
      if (owner && owner.pid === me.pid && owner.host === me.host && owner.startedAt === me.startedAt) fs.rmSync(lockPath, { force: true });
    };
  }
  throw new LockError(`could not lock ${target}: the lock ${lockPath} keeps changing`, lockPath);
}

function statTime(p: string): number {
  try {
    return fs.statSync(p).mtimeMs;
  } catch {
    return 0;
  }
}
