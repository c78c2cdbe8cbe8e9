#!/usr/bin/env node
// The installed command. It lives in git with its executable bit, which the build does not give
// the files it writes to dist/. It runs the bundle of dist/cli/main.js (scripts/bundle.mjs),
// built on `npm ci` (prepare), from its code cache: see src/cli/code-cache.ts.
import '../dist/cli/launch.js';
