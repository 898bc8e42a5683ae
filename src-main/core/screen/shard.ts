/**
 * Deterministic sharding of a screening run: shard I of N (1-based) takes the files whose relative
 * path hashes (32-bit FNV-1a over the UTF-8 bytes) to I - 1 modulo N. The partition depends only on
 * the relative path, never on listing order, machine or file system, so N independent jobs cover every
 * file exactly once.
 */

export interface ShardSpec {
  /** 1-based shard index. */
  readonly index: number;
  /** Number of shards. */
  readonly count: number;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** 32-bit FNV-1a of the UTF-8 encoding of `text`, as an unsigned integer. */
export function fnv1a32(text: string): number {
  let h = FNV_OFFSET;
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/** The 1-based shard a relative path (posix separators) belongs to. */
export function shardOf(relPath: string, count: number): number {
  return (fnv1a32(relPath) % count) + 1;
}

export function inShard(relPath: string, shard: ShardSpec | undefined): boolean {
  return shard === undefined || shard.count === 1 || shardOf(relPath, shard.count) === shard.index;
}

/** Parses "I/N" (1 <= I <= N). Throws RangeError with a one-line reason. */
export function parseShard(text: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new RangeError(`shard must look like I/N (for example 3/10), got "${text}"`);
  return validateShard({ index: Number(m[1]), count: Number(m[2]) });
}

export function validateShard(shard: ShardSpec): ShardSpec {
  const { index, count } = shard;
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`shard count must be a positive integer, got ${count}`);
  if (!Number.isSafeInteger(index) || index < 1 || index > count) throw new RangeError(`shard index must be between 1 and ${count}, got ${index}`);
  return { index, count };
}

export function formatShard(shard: ShardSpec): string {
  return `${shard.index}/${shard.count}`;
}
