#!/usr/bin/env node
/**
 * Bundles the compiled CLI (dist/cli/main.js and everything it imports, yargs, yaml and
 * cli-table3 included) into one CommonJS file, dist/cli/lvs-pcap.cjs, then writes V8's code
 * cache for it, dist/cli/lvs-pcap.cjs.cache, from a warm-up run of `check` on a bundled
 * capture. bin/lvs-pcap.js runs the bundle through dist/cli/launch.js (src/cli/code-cache.ts).
 *
 * Start-up of `check` on an empty capture: ~150 separate ES modules 172 ms, one ES module
 * 109 ms (node itself: 59 ms; commit 4704452, 2026-11-26); the code cache takes another ~40 ms
 * off (commit 3a2d91b; docs/performance.md).
 * The bundle sits beside main.js so the relative paths main.js uses (package.json) still hold.
 */
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * yargs' ES module build lays out --help with cliui's ES module build, whose wrap cuts text
 * every N characters, in the middle of words ("fin/dings"); cliui's CommonJS build wraps at
 * spaces (wrap-ansi). The bundle takes the CommonJS one.
 */
function cliuiWithWordWrap() {
  const cjs = createRequire(import.meta.url).resolve('cliui');
  return {
    name: 'cliui-word-wrap',
    setup(b) {
      b.onResolve({ filter: /^cliui$/ }, () => ({ path: cjs }));
    },
  };
}
const BUNDLE = `${root}dist/cli/lvs-pcap.cjs`;
const CACHE = `${BUNDLE}.cache`;
const WARM_UP = ['check', `${root}fixtures/healthy/bridge.pcap`];

await build({
  entryPoints: [`${root}dist/cli/main.js`],
  outfile: BUNDLE,
  bundle: true,
  platform: 'node',
  target: 'node20',
  // CommonJS because Node 20 can give a code cache to a vm.Script but not to an ES module.
  format: 'cjs',
  // Loaded from node_modules by `watch --metrics` only: bundled, prom-client's 240 KB and its
  // code cache made every `check` start 6 MB larger.
  external: ['prom-client'],
  define: { 'import.meta.url': '__bundle_url' },
  banner: { js: "const __bundle_url = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
  plugins: [cliuiWithWordWrap()],
});

// The id the cache is checked against (src/cli/code-cache.ts): the bundle's SHA-1, on its last line.
const id = createHash('sha1').update(readFileSync(BUNDLE)).digest('hex');
appendFileSync(BUNDLE, `//# lvs-pcap-bundle ${id}\n`);

// The cache holds the functions compiled by the time it is written: those of a real check.
rmSync(CACHE, { force: true });
if (!existsSync(WARM_UP[1])) {
  // A tree without the fixtures (a partial copy): the CLI starts without a cache, just slower.
  console.error(`bundle.mjs: ${WARM_UP[1]} is missing; no code cache written`);
  process.exit(0);
}
const warmUp = `
  import { loadBundle } from ${JSON.stringify(`${root}dist/cli/code-cache.js`)};
  const bundle = loadBundle(${JSON.stringify(BUNDLE)}, ${JSON.stringify(CACHE)});
  process.argv = [process.argv[0], 'lvs-pcap', ...${JSON.stringify(WARM_UP)}];
  process.on('exit', () => bundle.writeCache(${JSON.stringify(CACHE)}));
  bundle.run();
`;
const run = spawnSync(process.execPath, ['--input-type=module', '-e', warmUp], { stdio: ['ignore', 'ignore', 'inherit'] });
// Exit 1 would be findings; the healthy capture has none. Anything else is a broken bundle.
if (run.status !== 0) {
  rmSync(CACHE, { force: true });
  console.error(`bundle.mjs: the warm-up run exited with ${run.status ?? run.signal}; no code cache written`);
  process.exit(1);
}
