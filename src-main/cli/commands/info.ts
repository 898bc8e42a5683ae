import os from 'node:os';
import type { Command } from '../command';
import { booleanOption } from '../command';
import { describeBackend } from '../../services/backend-summary';
import { APP_VERSION } from '../../services/version';
import { projectsDir } from '../../services/paths';
import { defaultTrainingWorkers, physicalCoreCount } from '../../core/train/data-parallel';

export const infoCommand: Command = {
  name: 'info',
  summary: 'Show the compute backend in use, versions, threads and where data is stored.',
  positionals: '',
  arity: [0, 0],
  options: {
    json: { type: 'boolean', description: 'print machine-readable JSON' },
  },
  details: 'The backend can be forced with the environment variable MTCGCNN_BACKEND=gpu|node|wasm|cpu.',
  async run(args, io) {
    const backend = await describeBackend();
    const info = {
      version: APP_VERSION,
      backend: backend.name,
      backendDescription: backend.description,
      kernels: backend.kernels,
      fallbackReason: backend.fallbackReason ?? null,
      threads: backend.threads,
      cpuCount: os.cpus().length,
      physicalCores: physicalCoreCount(),
      trainingWorkers: defaultTrainingWorkers(),
      versions: { node: process.versions.node, ...backend.versions },
      projectsDir: projectsDir(),
      howToGetGpu: backend.howToGetGpu,
    };
    if (booleanOption(args, 'json')) {
      io.out(JSON.stringify(info, null, 2));
      return 0;
    }
    io.out(`mtcgcnn ${info.version}`);
    io.out(`backend:      ${info.backend} (${info.backendDescription})`);
    io.out(`kernels:      ${info.kernels}`);
    if (info.fallbackReason) io.out(`fallback:     ${info.fallbackReason}`);
    io.out(`threads:      ${info.threads} compute thread(s), ${info.cpuCount} logical CPU(s), ${info.physicalCores} physical core(s)`);
    io.out(`training:     ${info.trainingWorkers} data-parallel thread(s) by default (mtcgcnn train --workers K)`);
    io.out(`versions:     ${Object.entries(info.versions).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    io.out(`projects:     ${info.projectsDir}`);
    if (info.backend !== 'tensorflow-gpu') io.out(`GPU backend:  ${info.howToGetGpu}`);
    return 0;
  },
};
