/**
 * Bundles a worker-thread entry the way the app build bundles its workers (CommonJS, packages and Node built-ins
 * external), into `outDir` (a temp folder, never the repository's sources). Returns the bundled file's path.
 */
import path from 'node:path';
import { build } from 'vite';

export async function bundleWorker(entry: string, outDir: string): Promise<string> {
  const fileName = `${path.basename(entry, path.extname(entry))}.js`;
  await build({
    configFile: false,
    logLevel: 'silent',
    root: path.resolve(__dirname, '..'),
    build: {
      ssr: entry,
      outDir,
      emptyOutDir: true,
      minify: false,
      reportCompressedSize: false,
      rollupOptions: { external: [/^@tensorflow\//, /^node:/], output: { format: 'cjs', entryFileNames: fileName } },
    },
  });
  return path.join(outDir, fileName);
}
