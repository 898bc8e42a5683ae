// Training checkpoints keep two generations; a torn or corrupt one is refused with the file and the reason, and
// loading (and the trainer's resume) falls back to the previous generation.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/core/compute/backend';
import {
  checkpointExists,
  decodeCheckpoint,
  encodeCheckpoint,
  loadCheckpoint,
  loadCheckpointWithFallback,
  previousCheckpointPath,
  saveCheckpoint,
  type CheckpointFile,
} from '../../src-main/core/train/checkpoint';
import { syntheticTrainingData } from '../fixtures/synthetic-training';
import { trainModel } from '../../src-main/core/train/trainer';
import type { TrainOptions, TrainingData } from '../../src-main/core/train/types';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mtcgcnn-ckpt-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function ck(epoch: number): CheckpointFile<{ epoch: number }> {
  return {
    meta: { epoch },
    groups: { params: [{ name: 'w', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6].map((x) => x * epoch)) }] },
  };
}

/** Flips one bit of byte `at` (negative: from the end). */
function flip(file: string, at: number): void {
  const b = fs.readFileSync(file);
  b[at < 0 ? b.length + at : at] ^= 0x10;
  fs.writeFileSync(file, b);
}

describe('checkpoint file', () => {
  it('round-trips and refuses truncation, trailing bytes, a bad header and a changed payload, naming the file', () => {
    const bytes = encodeCheckpoint(ck(2));
    expect(decodeCheckpoint<{ epoch: number }>(bytes).meta.epoch).toBe(2);
    expect(Array.from(decodeCheckpoint(bytes).groups.params[0].data)).toEqual([2, 4, 6, 8, 10, 12]);
    expect(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 3))).toThrow(/truncated/);
    expect(() => decodeCheckpoint(Buffer.concat([bytes, Buffer.from([0])]))).toThrow(/trailing bytes/);
    expect(() => decodeCheckpoint(bytes.subarray(0, 20))).toThrow(/truncated|corrupt/);
    const bad = Buffer.from(bytes);
    bad[bad.length - 2] ^= 0x01;
    expect(() => decodeCheckpoint(bad)).toThrow(/checksum mismatch/);
    const file = path.join(work, 'one.bin');
    fs.writeFileSync(file, bad);
    expect(() => loadCheckpoint(file)).toThrow(`checkpoint ${file}: checkpoint is corrupt (payload checksum mismatch)`);
    expect(() => loadCheckpoint(path.join(work, 'none.bin'))).toThrow(/none\.bin: no such file/);
  });

  it('keeps the previous generation and falls back to it when the newest is damaged', () => {
    const file = path.join(work, 'checkpoint.bin');
    const prev = previousCheckpointPath(file);
    expect(prev).toBe(path.join(work, 'checkpoint.prev.bin'));
    expect(previousCheckpointPath('/x/job.ckpt')).toBe('/x/job.ckpt.prev');
    expect(loadCheckpointWithFallback(file)).toBeNull();
    expect(checkpointExists(file)).toBe(false);

    saveCheckpoint(file, ck(1));
    expect(fs.existsSync(prev)).toBe(false);
    saveCheckpoint(file, ck(2));
    saveCheckpoint(file, ck(3));
    expect(loadCheckpoint<{ epoch: number }>(file).meta.epoch).toBe(3);
    expect(loadCheckpoint<{ epoch: number }>(prev).meta.epoch).toBe(2);
    expect(loadCheckpointWithFallback<{ epoch: number }>(file)).toMatchObject({ file, checkpoint: { meta: { epoch: 3 } } });

    flip(file, -1);
    const loaded = loadCheckpointWithFallback<{ epoch: number }>(file)!;
    expect(loaded.file).toBe(prev);
    expect(loaded.checkpoint.meta.epoch).toBe(2);
    expect(loaded.fallbackReason).toBe(`checkpoint ${file}: checkpoint is corrupt (payload checksum mismatch)`);

    // Saving over a damaged newest does not rotate it over the good previous generation.
    saveCheckpoint(file, ck(4));
    expect(loadCheckpoint<{ epoch: number }>(prev).meta.epoch).toBe(2);
    expect(loadCheckpoint<{ epoch: number }>(file).meta.epoch).toBe(4);

    // A torn newest (cut mid-payload) falls back too; with both damaged the error names both.
    fs.truncateSync(file, fs.statSync(file).size - 5);
    expect(loadCheckpointWithFallback<{ epoch: number }>(file)!.checkpoint.meta.epoch).toBe(2);
    flip(prev, -1);
    expect(() => loadCheckpointWithFallback(file)).toThrow(
      `checkpoint ${file}: checkpoint is truncated; the previous one is unusable too (checkpoint ${prev}: checkpoint is corrupt (payload checksum mismatch))`,
    );
    fs.rmSync(prev);
    expect(() => loadCheckpointWithFallback(file)).toThrow(`no previous checkpoint ${prev} to fall back to`);
  });
});

describe('trainer resume from a damaged checkpoint', () => {
  beforeAll(async () => {
    await initBackend({ force: 'wasm', skipNative: true });
  });

  function data(): TrainingData {
    return syntheticTrainingData(32, { seed: 5, minAtoms: 2, maxAtoms: 6, maxNeighbors: 12, missing: 0.1, targetSeed: 4 });
  }
  const opts: TrainOptions = { model: { convDim: 8, numConv: 1, hiddenDim: 8 }, epochs: 4, batchSize: 8, learningRate: 0.01, seed: 3, split: { seed: 1 } };

  it('logs why, resumes from the previous epoch and ends bit-identical to an uninterrupted run', async () => {
    const d = data();
    const straight = await trainModel({ ...opts, checkpointPath: path.join(work, 'straight.bin') }, d);
    const file = path.join(work, 'run', 'checkpoint.bin');
    await expect(trainModel({ ...opts, checkpointPath: file, stopAfterEpochs: 3 }, d)).rejects.toThrow(/cancelled/);
    expect(loadCheckpoint<{ epochsDone: number }>(previousCheckpointPath(file)).meta.epochsDone).toBe(2);
    flip(file, -4);
    const logs: string[] = [];
    const resumed = await trainModel({ ...opts, checkpointPath: file }, d, { onLog: (m) => logs.push(m) });
    expect(logs).toContain(
      `member 0: checkpoint ${file}: checkpoint is corrupt (payload checksum mismatch); falling back to the previous checkpoint ${previousCheckpointPath(file)}`,
    );
    expect(logs).toContain(`member 0: resumed from ${previousCheckpointPath(file)} after epoch 2`);
    const a = straight.members[0].params;
    const b = resumed.members[0].params;
    expect(b.map((x) => x.name)).toEqual(a.map((x) => x.name));
    for (let i = 0; i < a.length; i++) expect(Buffer.from(b[i].data.buffer).equals(Buffer.from(a[i].data.buffer)), a[i].name).toBe(true);
    expect(resumed.members[0].history.map((h) => h.valAverageMae)).toEqual(straight.members[0].history.map((h) => h.valAverageMae));
  });
});
