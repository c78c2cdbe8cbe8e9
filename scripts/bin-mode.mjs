#!/usr/bin/env node
/**
 * Makes the built CLI executable. tsc writes dist/cli/main.js with the default file mode, and
 * `npx lvs-pcap` (the README's Quick start, run from a fresh clone) executes the package's bin
 * directly: without the x bit it fails with "Permission denied". Run after every build that may
 * create the file (npm's prepare and build scripts).
 */
import { chmodSync, statSync } from 'node:fs';

const bin = new URL('../dist/cli/main.js', import.meta.url);
chmodSync(bin, statSync(bin).mode | 0o111);
