/**
 * The building blocks of the contract: the error envelope every call answers with, the argument error guards throw,
 * the hand-written guard helpers and `call`, which pairs a guard with the result type of a channel.
 * Shared by main, preload and renderer: no Node or Electron imports here or in any contract file.
 */

// ---------- error envelope ----------

export type IpcErrorCode = 'invalid-argument' | 'unknown-channel' | 'not-found' | 'failed' | 'cancelled' | 'internal';

export interface IpcError {
  code: IpcErrorCode;
  message: string;
}

export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: IpcError };

/** Thrown by guards; the main side turns it into an `invalid-argument` IpcError. */
export class IpcArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IpcArgumentError';
  }
}

// ---------- guards ----------

export type Guard<T> = (value: unknown) => T;

export const noArgs: Guard<void> = (v) => {
  if (v !== undefined && v !== null) throw new IpcArgumentError('this call takes no argument');
};

export function record(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new IpcArgumentError(`${what} must be an object`);
  return v as Record<string, unknown>;
}

export function onlyKeys(o: Record<string, unknown>, allowed: readonly string[], what: string): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw new IpcArgumentError(`${what}: unexpected field "${k}"`);
}

export function str(v: unknown, what: string, opts: { maxLength?: number; allowEmpty?: boolean } = {}): string {
  if (typeof v !== 'string') throw new IpcArgumentError(`${what} must be a string`);
  if (!opts.allowEmpty && v.length === 0) throw new IpcArgumentError(`${what} must not be empty`);
  if (v.length > (opts.maxLength ?? 4096)) throw new IpcArgumentError(`${what} is too long`);
  if (v.includes('\0')) throw new IpcArgumentError(`${what} contains a NUL character`);
  return v;
}

export function num(v: unknown, what: string, opts: { min?: number; max?: number; integer?: boolean } = {}): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new IpcArgumentError(`${what} must be a finite number`);
  if (opts.integer && !Number.isInteger(v)) throw new IpcArgumentError(`${what} must be an integer`);
  if (opts.min !== undefined && v < opts.min) throw new IpcArgumentError(`${what} must be >= ${opts.min}`);
  if (opts.max !== undefined && v > opts.max) throw new IpcArgumentError(`${what} must be <= ${opts.max}`);
  return v;
}

export function oneOf<T extends string | number>(v: unknown, allowed: readonly T[], what: string): T {
  if (!(allowed as readonly unknown[]).includes(v)) throw new IpcArgumentError(`${what} must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
  return v as T;
}

export function list<T>(v: unknown, what: string, item: (x: unknown, what: string) => T, opts: { min?: number; max: number }): T[] {
  if (!Array.isArray(v)) throw new IpcArgumentError(`${what} must be a list`);
  if (v.length < (opts.min ?? 0)) throw new IpcArgumentError(`${what} needs at least ${opts.min} entr${opts.min === 1 ? 'y' : 'ies'}`);
  if (v.length > opts.max) throw new IpcArgumentError(`${what} has more than ${opts.max} entries`);
  return v.map((x, i) => item(x, `${what}[${i}]`));
}

// eslint-disable-next-line no-control-regex
export const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** An absolute path (POSIX, Windows drive or UNC), or one starting with ~ for the home folder. */
export function absPath(v: unknown, what: string): string {
  const p = str(v, what, { maxLength: 4096 }).trim();
  if (CONTROL_CHARS.test(p)) throw new IpcArgumentError(`${what} contains control characters`);
  if (!/^(~(?=$|[\\/])|\/|[A-Za-z]:[\\/]|\\\\)/.test(p)) throw new IpcArgumentError(`${what} must be an absolute path (e.g. /home/me/data or C:\\data)`);
  return p;
}

/** A display name: 1-80 characters, no control characters, not only spaces. */
export function displayName(v: unknown, what: string): string {
  const s = str(v, what, { maxLength: 80 }).trim();
  if (s === '') throw new IpcArgumentError(`${what} must not be blank`);
  if (CONTROL_CHARS.test(s)) throw new IpcArgumentError(`${what} contains control characters`);
  return s;
}

/** A name that is also a folder name: letters, digits, space, '.', '_' and '-', not starting with '.' or '-'. */
export function folderName(v: unknown, what: string): string {
  const s = str(v, what, { maxLength: 64 }).trim();
  if (!/^[A-Za-z0-9_][A-Za-z0-9 ._-]*$/.test(s)) throw new IpcArgumentError(`${what} may use letters, digits, spaces, '.', '_' and '-' (and must start with a letter or digit)`);
  return s;
}

/** Ids the app generates (jobs, runs, screenings): letters, digits, '_' and '-'. */
export function idString(v: unknown, what: string): string {
  const s = str(v, what, { maxLength: 64 });
  if (!/^[A-Za-z0-9_-]+$/.test(s)) throw new IpcArgumentError(`${what} has invalid characters`);
  return s;
}

/** A guard for an argument with exactly one key, checked by `check` (e.g. { dir } with absPath). */
export function singleKey<K extends string, T>(key: K, check: (v: unknown, what: string) => T): Guard<{ [P in K]: T }> {
  return (v) => {
    const o = record(v, 'argument');
    onlyKeys(o, [key], 'argument');
    return { [key]: check(o[key], key) } as { [P in K]: T };
  };
}
/** File-name extensions of a file dialog's filter: 1 to 10, letters and digits, no dot. */
export function extensionList(v: unknown): string[] {
  return list(v, 'extensions', (x, w) => {
    const e = str(x, w, { maxLength: 10 });
    if (!/^[A-Za-z0-9]+$/.test(e)) throw new IpcArgumentError(`${w} must be letters and digits (no dot)`);
    return e;
  }, { min: 1, max: 10 });
}

// ---------- channels ----------

/** One request/response call: a guard for the argument and a phantom for the result type. */
export interface InvokeSpec<Req, Res> {
  readonly parse: Guard<Req>;
  readonly _result?: Res;
}

export function call<Req, Res>(parse: Guard<Req>): InvokeSpec<Req, Res> {
  return { parse };
}
