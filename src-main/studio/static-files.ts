/**
 * Static files of the built renderer, and nothing else: the decoded path may not climb out ('..', '%2e%2e'), and
 * the real path of the file (symlinks resolved) must lie inside the real path of the root.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ServerResponse } from 'node:http';
import { contentTypeOf } from '../services/content-types';

/**
 * The file under `root` that a request path names, or null when it names none or tries to leave the root.
 * `rawPath` is the path part of the request URL as sent (still percent-encoded).
 */
export async function resolveStaticFile(root: string, rawPath: string): Promise<string | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\') || !decoded.startsWith('/')) return null;
  if (decoded.split('/').some((segment) => segment === '..' || segment === '.')) return null;
  const realRoot = await fs.promises.realpath(root);
  const candidate = path.join(realRoot, decoded.endsWith('/') ? `${decoded}index.html` : decoded);
  let real: string;
  try {
    real = await fs.promises.realpath(candidate);
  } catch {
    return null;
  }
  if (!real.startsWith(realRoot + path.sep)) return null;
  const stat = await fs.promises.stat(real);
  return stat.isFile() ? real : null;
}

/** Streams `file` with its content type; `headers` (security headers) are added to the response. */
export function sendFile(res: ServerResponse, file: string, headers: Record<string, string>, headOnly: boolean): void {
  const size = fs.statSync(file).size;
  res.writeHead(200, { ...headers, 'Content-Type': contentTypeOf(file), 'Content-Length': String(size) });
  if (headOnly) res.end();
  else fs.createReadStream(file).pipe(res);
}
