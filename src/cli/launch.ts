/**
 * What bin/lvs-pcap.js runs: the bundled CLI (scripts/bundle.mjs), from the code cache the
 * build wrote beside it when that cache is valid (see code-cache.ts), with V8's young
 * generation kept at the size start-up left it (see young-generation.ts).
 */
import { fileURLToPath } from 'node:url';
import { loadBundle } from './code-cache.js';
import { keepYoungGenerationSmall } from './young-generation.js';

const bundle = fileURLToPath(new URL('./lvs-pcap.cjs', import.meta.url));
loadBundle(bundle, `${bundle}.cache`).run();
// Only now, after the bundle was compiled: V8 checks a code cache against its flags, so a flag
// set before loadBundle() makes it reject the cache (25 ms more on an empty capture: commit
// 8e0f6df, 2026-11-26).
keepYoungGenerationSmall();
