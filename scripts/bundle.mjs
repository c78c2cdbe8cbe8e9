#!/usr/bin/env node
/**
 * Bundles the compiled CLI (dist/cli/main.js and everything it imports, yargs, yaml and
 * cli-table3 included) into one file, dist/cli/lvs-pcap.mjs, which bin/lvs-pcap.js runs.
 * Loading ~150 separate ES modules was over half of the start-up: `check` on an empty capture
 * took 172 ms from the module tree and 109 ms from the bundle (node itself: 59 ms).
 * The bundle sits beside main.js so the relative paths main.js uses (package.json) still hold.
 */
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/cli/main.js'],
  outfile: 'dist/cli/lvs-pcap.mjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // The CommonJS packages inside (yargs, cli-table3) call require() for Node's own modules.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
});
