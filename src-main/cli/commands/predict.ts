import path from 'node:path';
import type { Command } from '../command';
import { CommandFailure, booleanOption } from '../command';
import { modelOptionSpec, resolveModelOption } from '../model-option';
import { readStructureFileSync } from '../../core/io';
import { buildCrystalGraph } from '../../core/graph/build-graph';
import type { CrystalGraph } from '../../core/graph/crystal-graph';
import { Predictor } from '../../core/model/predictor';
import { describeError } from '../../core/featurize/featurize-chunk';

export const predictCommand: Command = {
  name: 'predict',
  summary: 'Predict the properties of a few structure files (CIF, POSCAR, extended XYZ) with a trained model.',
  positionals: 'FILE...',
  arity: [1, Infinity],
  options: {
    model: modelOptionSpec('model folder'),
    json: { type: 'boolean', description: 'print JSON instead of a table' },
  },
  details: `Without --model the shipped default model is used (mtcgcnn models lists it and the models you trained or
installed; --model also takes their names). For folders of thousands of files use \`mtcgcnn screen\`, which
streams, runs in parallel and resumes.
Examples: mtcgcnn predict a.cif b.vasp
          mtcgcnn predict a.cif --model models/e1 --json`,
  async run(args, io) {
    const model = resolveModelOption(args, io);
    const predictor = await Predictor.load(model.dir).catch((e: unknown) => {
      throw new CommandFailure(e instanceof Error ? e.message : String(e));
    });
    const rows: { file: string; id: string; formula?: string; atoms?: number; graph?: CrystalGraph; error?: string }[] = [];
    for (const file of args.positionals) {
      try {
        const structures = readStructureFileSync(path.resolve(file));
        for (const s of structures) {
          const id = structures.length > 1 ? `${path.basename(file)}#${s.name}` : path.basename(file);
          rows.push({ file, id, formula: s.structure.reducedFormula(), atoms: s.structure.numSites, graph: buildCrystalGraph(id, s.structure, predictor.bundle.graphSettings) });
        }
      } catch (e) {
        rows.push({ file, id: path.basename(file), error: describeError(e) });
      }
    }
    const ok = rows.filter((r) => r.graph);
    const pred = ok.length ? predictor.predict(ok.map((r) => r.graph!)) : { mean: [] as Float64Array[] };
    const tasks = predictor.tasks;
    const results = rows.map((r) => {
      const i = ok.indexOf(r);
      if (i < 0) return { file: r.file, id: r.id, error: r.error };
      return {
        file: r.file,
        id: r.id,
        formula: r.formula,
        atoms: r.atoms,
        predictions: Object.fromEntries(tasks.map((t, k) => [t.name, { value: pred.mean[k][i], ...(pred.std ? { std: pred.std[k][i] } : {}), unit: t.unit }])),
      };
    });
    if (booleanOption(args, 'json')) io.out(JSON.stringify(results, null, 2));
    else {
      for (const r of results) {
        if ('error' in r && r.error) {
          io.out(`${r.id}: error: ${r.error}`);
          continue;
        }
        const values = Object.entries(r.predictions!).map(([name, p]) => `${name} = ${p.value.toFixed(3)}${p.std !== undefined ? ` ± ${p.std.toFixed(3)}` : ''} ${p.unit}`);
        io.out(`${r.id} (${r.formula}, ${r.atoms} atoms): ${values.join('; ')}`);
      }
    }
    const failed = rows.length - ok.length;
    if (failed) throw new CommandFailure(`${failed} of ${rows.length} structures could not be read`);
    return 0;
  },
};
