/**
 * Identity of this main process, written into the manifests of the runs and screenings it starts. When a project is
 * opened, a manifest that says 'running' is only believed if its owner is this session with the job still live, or
 * another process on this machine that still exists.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';

export const SESSION_ID: string = randomUUID();

export interface ProcessOwner {
  pid: number;
  host: string;
  session: string;
  startedAt: string;
}

export function currentOwner(): ProcessOwner {
  return { pid: process.pid, host: os.hostname(), session: SESSION_ID, startedAt: new Date().toISOString() };
}
