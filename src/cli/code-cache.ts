/**
 * Loads a CommonJS bundle through V8's code cache. Parsing and compiling the 870 kB CLI bundle
 * (and then each function it runs) was about 40 ms of every run's start-up (commit 3a2d91b,
 * 2026-11-26), as much as the whole analysis of a small capture; with a cache written at build
 * time V8 deserialises the compiled functions instead. Node 20 has no compile cache for ES
 * modules, hence CommonJS.
 *
 * V8 only checks that a cache fits the source's length and its own version and flags, so
 * the build ends the bundle with a line naming its SHA-1 (BUNDLE_ID_PREFIX) and the cache file
 * starts with the same 40 characters: a cache from another build is never used. The digest is
 * computed at build time because hashing here would cost what it saves (node:crypto alone
 * takes 5 ms to load). A cache that is absent, stale or rejected (another Node version, or
 * flags such as --cpu-prof) costs nothing but the compile it would have saved.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

export type CodeCacheUse = 'used' | 'rejected' | 'stale' | 'absent';

export interface LoadedBundle {
  /** What became of the cache file. */
  readonly cache: CodeCacheUse;
  /** Runs the bundle's top level, as Node's CommonJS loader would. */
  run(): void;
  /** Writes a cache for this bundle, holding every function compiled so far (call after run()). */
  writeCache(path: string): void;
}

/** The bundle's last line: this prefix, then 40 hex digits. */
export const BUNDLE_ID_PREFIX = '//# lvs-pcap-bundle ';
const ID_LENGTH = 40;

/** The id on the bundle's last line, or null. */
function bundleId(bytes: Buffer): Buffer | null {
  const tail = bytes.subarray(Math.max(0, bytes.length - BUNDLE_ID_PREFIX.length - ID_LENGTH - 1));
  const text = tail.toString('latin1');
  if (!text.startsWith(BUNDLE_ID_PREFIX)) return null;
  const id = tail.subarray(BUNDLE_ID_PREFIX.length, BUNDLE_ID_PREFIX.length + ID_LENGTH);
  return /^[0-9a-f]{40}$/.test(id.toString('latin1')) ? id : null;
}

type ModuleWrapper = (exports: object, require: NodeJS.Require, module: { exports: object }, filename: string, dirname: string) => void;

export function loadBundle(bundlePath: string, cachePath: string): LoadedBundle {
  const bytes = readFileSync(bundlePath);
  const id = bundleId(bytes);
  let cache: CodeCacheUse = 'absent';
  let cachedData: Buffer | undefined;
  try {
    const file = readFileSync(cachePath);
    if (id !== null && file.length > ID_LENGTH && file.subarray(0, ID_LENGTH).equals(id)) cachedData = file.subarray(ID_LENGTH);
    else cache = 'stale';
  } catch {
    // No cache: compile as usual.
  }
  // A shebang line is only allowed at the very start of a script, not inside the wrapper;
  // blanking it keeps the line numbers of stack traces.
  const source = bytes.toString('utf8').replace(/^#!.*/, '');
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundlePath,
    ...(cachedData !== undefined ? { cachedData } : {}),
  });
  if (cachedData !== undefined) cache = script.cachedDataRejected === true ? 'rejected' : 'used';
  return {
    cache,
    run(): void {
      const wrapper = script.runInThisContext() as ModuleWrapper;
      const module = { exports: {} };
      wrapper.call(module.exports, module.exports, createRequire(bundlePath), module, bundlePath, dirname(bundlePath));
    },
    writeCache(path: string): void {
      if (id === null) throw new Error(`${bundlePath} does not end with a bundle id line: no cache can be written for it`);
      writeFileSync(path, Buffer.concat([id, script.createCachedData()]));
    },
  };
}
