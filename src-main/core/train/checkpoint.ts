/**
 * Training checkpoints, written atomically (core/fs/atomic-write), so a killed run leaves either the previous or
 * the new checkpoint, never a torn one. Two generations are kept: before a new checkpoint replaces FILE, the current
 * FILE (when it reads back intact) is copied to its previous-generation file (checkpoint.bin -> checkpoint.prev.bin).
 * A checkpoint that is torn or corrupt anyway (disk, copy, hand edit) is refused with the file and the reason, and
 * loading falls back to the previous generation.
 *
 * Layout: "MTCKPT01" (8 bytes) | header length (uint32 LE) | header JSON (utf-8) | padding to 4 bytes |
 * float32 payload. The header lists every tensor {name, shape, offset (in floats)} by group, and the SHA-256 of the
 * payload (checkpoints written before the checksum existed have none and are read without the check).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import type { TensorRecord } from '../model/params';
import { writeFileAtomicSync } from '../fs/atomic-write';

const MAGIC = 'MTCKPT01';

export interface CheckpointFile<M> {
  meta: M;
  groups: Record<string, TensorRecord[]>;
}

interface Header<M> {
  meta: M;
  groups: Record<string, Array<{ name: string; shape: number[]; offset: number; length: number }>>;
  totalFloats: number;
  /** Hex SHA-256 of the float32 payload bytes. */
  payloadSha256?: string;
}

export function encodeCheckpoint<M>(ck: CheckpointFile<M>): Buffer {
  let offset = 0;
  const groups: Header<M>['groups'] = {};
  for (const [g, recs] of Object.entries(ck.groups)) {
    groups[g] = recs.map((r) => {
      const e = { name: r.name, shape: r.shape, offset, length: r.data.length };
      offset += r.data.length;
      return e;
    });
  }
  const payload = new Float32Array(offset);
  for (const [g, recs] of Object.entries(ck.groups)) {
    recs.forEach((r, i) => payload.set(r.data, groups[g][i].offset));
  }
  const payloadBytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const header: Header<M> = { meta: ck.meta, groups, totalFloats: offset, payloadSha256: sha256(payloadBytes) };
  const hbytes = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (4 - ((8 + 4 + hbytes.length) % 4)) % 4;
  const out = Buffer.alloc(8 + 4 + hbytes.length + pad + offset * 4);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(hbytes.length, 8);
  hbytes.copy(out, 12);
  payloadBytes.copy(out, 12 + hbytes.length + pad);
  return out;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Decodes a checkpoint; throws an Error saying why the bytes are not a complete, intact checkpoint. */
export function decodeCheckpoint<M>(buf: Buffer): CheckpointFile<M> {
  if (buf.length < 12 || buf.toString('latin1', 0, 8) !== MAGIC) throw new Error('not a training checkpoint');
  const hlen = buf.readUInt32LE(8);
  if (12 + hlen > buf.length) throw new Error('checkpoint is truncated (header cut short)');
  let header: Header<M>;
  try {
    header = JSON.parse(buf.toString('utf8', 12, 12 + hlen)) as Header<M>;
  } catch {
    throw new Error('checkpoint header is corrupt (not valid JSON)');
  }
  if (!header || typeof header !== 'object' || !Number.isInteger(header.totalFloats) || header.totalFloats < 0 || !header.groups) {
    throw new Error('checkpoint header is corrupt (no tensor table)');
  }
  const pad = (4 - ((12 + hlen) % 4)) % 4;
  const base = 12 + hlen + pad;
  if (buf.length < base + header.totalFloats * 4) throw new Error('checkpoint is truncated');
  if (buf.length > base + header.totalFloats * 4) throw new Error('checkpoint has trailing bytes (torn or mixed write)');
  if (header.payloadSha256 !== undefined && sha256(buf.subarray(base, base + header.totalFloats * 4)) !== header.payloadSha256) {
    throw new Error('checkpoint is corrupt (payload checksum mismatch)');
  }
  const copy = new Uint8Array(header.totalFloats * 4);
  copy.set(buf.subarray(base, base + header.totalFloats * 4));
  const all = new Float32Array(copy.buffer);
  const groups: Record<string, TensorRecord[]> = {};
  for (const [g, entries] of Object.entries(header.groups)) {
    groups[g] = entries.map((e) => ({ name: e.name, shape: e.shape, data: all.slice(e.offset, e.offset + e.length) }));
  }
  return { meta: header.meta, groups };
}

/** The previous-generation file kept beside `file`: checkpoint.bin -> checkpoint.prev.bin, other names + '.prev'. */
export function previousCheckpointPath(file: string): string {
  return file.endsWith('.bin') ? `${file.slice(0, -'.bin'.length)}.prev.bin` : `${file}.prev`;
}

/** Both generations of a checkpoint (for removing them when a run finishes). */
export function checkpointFiles(file: string): [string, string] {
  return [file, previousCheckpointPath(file)];
}

/** True when either generation exists (a run can be resumed). */
export function checkpointExists(file: string): boolean {
  return checkpointFiles(file).some((f) => fs.existsSync(f));
}

/**
 * Writes `ck` to `file`; the checkpoint it replaces, if intact, becomes the previous generation first. Both steps are
 * atomic, so at every instant `file` holds a complete checkpoint and the previous one holds the generation before.
 */
export function saveCheckpoint<M>(file: string, ck: CheckpointFile<M>): void {
  const bytes = encodeCheckpoint(ck);
  if (fs.existsSync(file)) {
    const current = fs.readFileSync(file);
    let intact = true;
    try {
      decodeCheckpoint(current);
    } catch {
      intact = false; // never rotate a damaged file over a good previous generation
    }
    if (intact) writeFileAtomicSync(previousCheckpointPath(file), current);
  }
  writeFileAtomicSync(file, bytes);
}

/** Reads one checkpoint file; errors name the file and the reason. */
export function loadCheckpoint<M>(file: string): CheckpointFile<M> {
  try {
    return decodeCheckpoint<M>(fs.readFileSync(file));
  } catch (e) {
    throw new Error(`checkpoint ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`, { cause: e });
  }
}

export interface LoadedCheckpoint<M> {
  checkpoint: CheckpointFile<M>;
  /** The file it came from: `file`, or its previous generation after a fallback. */
  file: string;
  /** Why `file` itself was not used (set only on a fallback). */
  fallbackReason?: string;
}

/**
 * The newest intact generation of `file`, or null when neither generation exists. A torn or corrupt `file` falls
 * back to the previous generation (`fallbackReason` says why); when no generation is intact the error names both
 * files and reasons.
 */
export function loadCheckpointWithFallback<M>(file: string): LoadedCheckpoint<M> | null {
  const prev = previousCheckpointPath(file);
  if (!fs.existsSync(file) && !fs.existsSync(prev)) return null;
  let reason: string;
  try {
    return { checkpoint: loadCheckpoint<M>(file), file };
  } catch (e) {
    reason = (e as Error).message;
  }
  if (!fs.existsSync(prev)) throw new Error(`${reason}; no previous checkpoint ${prev} to fall back to`);
  try {
    return { checkpoint: loadCheckpoint<M>(prev), file: prev, fallbackReason: reason };
  } catch (e) {
    throw new Error(`${reason}; the previous one is unusable too (${(e as Error).message})`, { cause: e });
  }
}
