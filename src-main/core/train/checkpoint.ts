/**
 * Training checkpoints: one file, written atomically (core/fs/atomic-write), so a killed run leaves
 * either the previous or the new checkpoint, never a torn one.
 *
 * Layout: "MTCKPT01" (8 bytes) | header length (uint32 LE) | header JSON (utf-8) | padding to 4 bytes |
 * float32 payload. The header lists every tensor {name, shape, offset (in floats)} by group.
 */
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
  const header: Header<M> = { meta: ck.meta, groups, totalFloats: offset };
  const hbytes = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (4 - ((8 + 4 + hbytes.length) % 4)) % 4;
  const out = Buffer.alloc(8 + 4 + hbytes.length + pad + offset * 4);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(hbytes.length, 8);
  hbytes.copy(out, 12);
  const base = 12 + hbytes.length + pad;
  const f = new Float32Array(out.buffer, out.byteOffset + base, offset);
  for (const [g, recs] of Object.entries(ck.groups)) {
    recs.forEach((r, i) => f.set(r.data, groups[g][i].offset));
  }
  return out;
}

export function decodeCheckpoint<M>(buf: Buffer): CheckpointFile<M> {
  if (buf.length < 12 || buf.toString('latin1', 0, 8) !== MAGIC) throw new Error('not a training checkpoint');
  const hlen = buf.readUInt32LE(8);
  const header = JSON.parse(buf.toString('utf8', 12, 12 + hlen)) as Header<M>;
  const pad = (4 - ((12 + hlen) % 4)) % 4;
  const base = 12 + hlen + pad;
  if (buf.length < base + header.totalFloats * 4) throw new Error('checkpoint is truncated');
  const copy = new Uint8Array(header.totalFloats * 4);
  copy.set(buf.subarray(base, base + header.totalFloats * 4));
  const all = new Float32Array(copy.buffer);
  const groups: Record<string, TensorRecord[]> = {};
  for (const [g, entries] of Object.entries(header.groups)) {
    groups[g] = entries.map((e) => ({ name: e.name, shape: e.shape, data: all.slice(e.offset, e.offset + e.length) }));
  }
  return { meta: header.meta, groups };
}

export function saveCheckpoint<M>(file: string, ck: CheckpointFile<M>): void {
  writeFileAtomicSync(file, encodeCheckpoint(ck));
}

export function loadCheckpoint<M>(file: string): CheckpointFile<M> {
  return decodeCheckpoint<M>(fs.readFileSync(file));
}
