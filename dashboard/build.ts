import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

/**
 * Builds the dashboard into `outDir` as static files (index.html, app.js, app.css, favicon.svg): one esbuild run, no build
 * server. The local runtime builds it at start; the stack builds it into the dashboard function's bundle.
 */
export async function buildDashboard(outDir: string): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const source = import.meta.dirname;
  await build({
    entryPoints: [join(source, 'app.ts'), join(source, 'app.css')],
    outdir: outDir,
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    logLevel: 'error',
  });
  for (const file of ['index.html', 'favicon.svg']) copyFileSync(join(source, file), join(outDir, file));
}

if (process.argv[1] === import.meta.filename) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: node dashboard/build.ts <out dir>');
    process.exit(2);
  }
  await buildDashboard(out);
}
