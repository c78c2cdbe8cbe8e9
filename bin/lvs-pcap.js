#!/usr/bin/env node
// The installed command. It lives in git with its executable bit, which the build does not give
// the files it writes to dist/. It runs the bundle (scripts/bundle.mjs) of dist/cli/main.js,
// built on `npm ci` (prepare): one file loads faster than the module tree.
import '../dist/cli/lvs-pcap.mjs';
