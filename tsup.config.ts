import { resolve } from 'node:path';
import { defineConfig, type Options } from 'tsup';

const library = resolve('src/index.ts');

/**
 * The CLI imports only the public API (src/index.ts). In dist/cli.js that import stays an import of
 * ./index.js — the library built beside it — so the library (and its native addon) exists once.
 */
const publicApiExternal: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'fastrnn-public-api-external',
  setup(build) {
    build.onResolve({ filter: /index\.js$/ }, (args) => {
      if (!args.importer) return undefined;
      const target = resolve(args.resolveDir, args.path).replace(/\.js$/, '.ts');
      return target === library ? { path: './index.js', external: true } : undefined;
    });
  },
};

export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    // Both builds run at once: each cleans only its own outputs (the CLI's chunks are named name-HASH.js).
    clean: ['index.*'],
    target: 'node20',
    shims: true,
  },
  {
    // `fastrnn` (package.json "bin"): ESM with the shebang of src/cli/main.ts; packages stay imports.
    entry: { cli: 'src/cli/main.ts' },
    format: ['esm'],
    sourcemap: true,
    clean: ['cli.*', '*-*.js', '*-*.js.map'],
    target: 'node20',
    skipNodeModulesBundle: true,
    esbuildPlugins: [publicApiExternal],
  },
]);
