import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import type { Command } from '../command';
import { CommandFailure, booleanOption, choiceOption, numberOption, stringOption } from '../command';
import { ProgressReporter } from '../progress';
import { scanDataset } from '../../core/dataset';
import { ElementFeatureTable } from '../../core/element-features';
import { DEFAULT_GRAPH_SETTINGS, type CrystalGraph, type GraphSettings } from '../../core/graph/crystal-graph';
import { elementSymbol } from '../../core/crystal/elements';
import { featurizeDataset } from '../../core/featurize/featurize-dataset';
import { graphCacheDir } from '../../core/studio-home';
import { describeSkipped } from '../../core/screen';

export const featurizeCommand: Command = {
  name: 'featurize',
  summary: 'Build the crystal graphs of a dataset folder (ID.cif files + id_prop.csv) on all cores, cached on disk.',
  positionals: 'DATASET_DIR',
  arity: [1, 1],
  options: {
    radius: { type: 'string', valueName: 'ANGSTROM', description: 'neighbour cut-off radius in Angstrom', default: '8' },
    'max-nbr': { type: 'string', valueName: 'N', description: 'neighbours kept per atom', default: '12' },
    step: { type: 'string', valueName: 'ANGSTROM', description: 'Gaussian centre spacing in Angstrom (width = step unless --width)', default: '0.2' },
    width: { type: 'string', valueName: 'ANGSTROM', description: 'Gaussian width in Angstrom', default: 'step' },
    'grow-radius': { type: 'boolean', description: 'grow the radius until every atom has --max-nbr neighbours instead of padding' },
    'atom-init': { type: 'string', valueName: 'FILE', description: "element features in CGCNN's atom_init.json format (checked for coverage)", default: 'built-in 92-dim CGCNN table' },
    'partial-occupancy': { type: 'string', valueName: 'POLICY', description: 'refuse | majority', default: 'refuse' },
    'dump-neighbors': { type: 'string', valueName: 'OUT.jsonl', description: 'write one JSON line per crystal: id, species, neighbours [[j, d], ...] per atom (d in Angstrom, 1e-4)' },
    threads: { type: 'string', valueName: 'N', description: 'worker threads', default: 'all logical cores' },
    'cache-dir': { type: 'string', valueName: 'DIR', description: 'graph cache folder', default: '$MTCGCNN_HOME/cache/graphs' },
    'no-cache': { type: 'boolean', description: 'do not read or write the graph cache' },
    json: { type: 'boolean', description: 'print the summary as JSON on stdout' },
  },
  details: `Graphs follow CGCNN: the 12 nearest neighbours within 8 A sorted by distance; an atom with fewer gets
padding slots (neighbour index 0, distance radius + 1 A), counted in the summary. Exit code 1 if any file failed.`,
  async run(args, io) {
    const dir = path.resolve(args.positionals[0]);
    const step = numberOption(args, 'step', DEFAULT_GRAPH_SETTINGS.gaussianStepAngstrom, { min: 0.01, max: 2 });
    const settings: GraphSettings = {
      radiusAngstrom: numberOption(args, 'radius', DEFAULT_GRAPH_SETTINGS.radiusAngstrom, { min: 1, max: 30 }),
      maxNeighbors: numberOption(args, 'max-nbr', DEFAULT_GRAPH_SETTINGS.maxNeighbors, { min: 1, max: 64, integer: true }),
      gaussianStepAngstrom: step,
      gaussianWidthAngstrom: numberOption(args, 'width', step, { min: 0.01, max: 5 }),
      growRadius: booleanOption(args, 'grow-radius'),
    };
    const partialOccupancy = choiceOption(args, 'partial-occupancy', ['refuse', 'majority'] as const, 'refuse');
    const atomInit = stringOption(args, 'atom-init');
    const features = atomInit ? ElementFeatureTable.loadFile(path.resolve(atomInit)) : ElementFeatureTable.builtin();
    const threads = numberOption(args, 'threads', -1, { min: 0, max: 256, integer: true });

    const scan = await scanDataset(dir).catch((err: unknown) => {
      throw new CommandFailure(err instanceof Error ? err.message : String(err));
    });
    if (scan.entries.length === 0) throw new CommandFailure(`no structure files listed in ${scan.idPropFile}`);
    io.err(`dataset ${dir}: ${scan.entries.length} crystals, tasks ${scan.tasks.map((t) => `${t.name} (${t.unit || 'unitless'})`).join(', ')}`);

    const progress = new ProgressReporter('featurize', scan.entries.length, 'CIFs', io.progress);
    const controller = new AbortController();
    const onSigint = (): void => controller.abort();
    process.once('SIGINT', onSigint);
    const result = await featurizeDataset(
      scan.entries.map((e) => ({ id: e.id, file: e.file })),
      {
        settings,
        readOptions: { partialOccupancy },
        cacheDir: booleanOption(args, 'no-cache') ? undefined : path.resolve(stringOption(args, 'cache-dir') ?? graphCacheDir()),
        ...(threads >= 0 ? { threads } : {}),
        signal: controller.signal,
        onProgress: (done) => progress.update(done),
      },
    ).finally(() => process.off('SIGINT', onSigint));
    progress.update(scan.entries.length, true);
    if (io.isTty) io.err('');

    const graphs = result.graphs.filter((g): g is CrystalGraph => g !== undefined);
    const missingFeatures = new Set<number>();
    let paddedAtoms = 0;
    let paddedCrystals = 0;
    for (const g of graphs) {
      for (const z of g.atomicNumbers) if (!features.has(z)) missingFeatures.add(z);
      paddedAtoms += g.paddedAtoms;
      if (g.paddedAtoms > 0) paddedCrystals++;
    }
    const dump = stringOption(args, 'dump-neighbors');
    if (dump) await writeNeighborDump(path.resolve(dump), graphs);

    const rate = scan.entries.length / result.seconds;
    const summary = {
      dataset: dir,
      crystals: scan.entries.length,
      featurized: graphs.length,
      failed: result.errors.length,
      fromCache: result.fromCache,
      built: result.built,
      seconds: Number(result.seconds.toFixed(3)),
      cifsPerSecond: Number(rate.toFixed(1)),
      threads: result.threads,
      mode: result.mode,
      paddedAtoms,
      paddedCrystals,
      elementsWithoutFeatures: [...missingFeatures].sort((a, b) => a - b).map(elementSymbol),
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      settings,
      errors: result.errors,
      notRead: scan.notRead,
    };
    if (booleanOption(args, 'json')) io.out(JSON.stringify(summary, null, 2));
    else {
      io.out(`featurized ${graphs.length}/${scan.entries.length} crystals in ${result.seconds.toFixed(2)} s: ${rate.toFixed(0)} CIFs/s ` +
        `(${result.fromCache} from cache, ${result.built} built, ${result.threads} ${result.mode === 'workers' ? 'worker threads' : 'thread, in-process'})`);
      io.out(`graph: radius ${settings.radiusAngstrom} A, ${settings.maxNeighbors} neighbours, Gaussian step ${settings.gaussianStepAngstrom} A; ` +
        `${paddedAtoms} atoms in ${paddedCrystals} crystals had fewer than ${settings.maxNeighbors} neighbours (padded)`);
      if (missingFeatures.size) io.out(`warning: no element features for ${summary.elementsWithoutFeatures.join(', ')} in ${features.source}`);
      io.out(`peak memory ${summary.peakRssMiB} MiB`);
      const notRead = describeSkipped(scan.notRead);
      if (notRead !== '') io.err(notRead);
      for (const e of result.errors.slice(0, 20)) io.err(`failed: ${e.id}: ${e.reason}`);
      if (result.errors.length > 20) io.err(`... and ${result.errors.length - 20} more failures`);
    }
    return result.errors.length > 0 ? 1 : 0;
  },
};

async function writeNeighborDump(file: string, graphs: readonly CrystalGraph[]): Promise<void> {
  const out = createWriteStream(file);
  for (const g of graphs) {
    const neighbors: [number, number][][] = [];
    for (let i = 0; i < g.numAtoms; i++) {
      const row: [number, number][] = [];
      for (let k = 0; k < g.maxNeighbors; k++) {
        const slot = i * g.maxNeighbors + k;
        row.push([g.neighborIndex[slot], Math.round(g.neighborDistance[slot] * 1e4) / 1e4]);
      }
      neighbors.push(row);
    }
    const line = JSON.stringify({ id: g.id, species: Array.from(g.atomicNumbers, elementSymbol), neighbors }) + '\n';
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
