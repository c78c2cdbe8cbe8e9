/**
 * What bin/lvs-pcap.js runs: the bundled CLI (scripts/bundle.mjs), from the code cache the
 * build wrote beside it when that cache is valid (see code-cache.ts), with V8's young
 * generation kept small (see young-generation.ts).
 */
import { fileURLToPath } from 'node:url';
import { loadBundle } from './code-cache.js';
import { keepYoungGenerationSmall } from './young-generation.js';

keepYoungGenerationSmall();
const bundle = fileURLToPath(new URL('./lvs-pcap.cjs', import.meta.url));
loadBundle(bundle, `${bundle}.cache`).run();
