#!/usr/bin/env node
// The installed command. It lives in git with its executable bit, which tsc does not give the
// files it writes to dist/; the CLI itself is dist/cli/main.js, built on `npm ci` (prepare).
import '../dist/cli/main.js';
