import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUNDLE_ID_PREFIX, loadBundle } from '../../src/cli/code-cache.js';
import { CLI_BUNDLE, cliBuilt } from '../support/cli.js';
import { orSkipped } from '../support/skip.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'code-cache-'));
  dirs.push(dir);
  return dir;
}

/** A CommonJS "bundle" that records its run on globalThis, ending in an id line as the build writes it. */
function writeBundle(dir: string, value: number, id: string | null): string {
  const path = join(dir, 'bundle.cjs');
  const body = `#!/usr/bin/env node\nglobalThis.codeCacheTest = { value: ${value}, file: __filename, dir: __dirname, req: typeof require };\n`;
  writeFileSync(path, id === null ? body : `${body}${BUNDLE_ID_PREFIX}${id}\n`);
  return path;
}

function lastRun(): { value: number; file: string; dir: string; req: string } {
  return (globalThis as unknown as { codeCacheTest: { value: number; file: string; dir: string; req: string } }).codeCacheTest;
}

describe('loadBundle', () => {
  it('runs a bundle as CommonJS, then from the cache it wrote', () => {
    const dir = tempDir();
    const bundle = writeBundle(dir, 1, 'a'.repeat(40));
    const cache = `${bundle}.cache`;
    const first = loadBundle(bundle, cache);
    expect(first.cache).toBe('absent');
    first.run();
    expect(lastRun()).toEqual({ value: 1, file: bundle, dir, req: 'function' });
    first.writeCache(cache);

    const second = loadBundle(bundle, cache);
    expect(second.cache).toBe('used');
    second.run();
    expect(lastRun().value).toBe(1);
  });

  it('ignores a cache written for another build, and still runs', () => {
    const dir = tempDir();
    const cache = join(dir, 'bundle.cjs.cache');
    const old = loadBundle(writeBundle(dir, 1, 'a'.repeat(40)), cache);
    old.run();
    old.writeCache(cache);
    // Same length, other content and id: V8's own check (the length) would have taken it.
    const rebuilt = loadBundle(writeBundle(dir, 2, 'b'.repeat(40)), cache);
    expect(rebuilt.cache).toBe('stale');
    rebuilt.run();
    expect(lastRun().value).toBe(2);
  });

  it('never takes a cache for a bundle without an id line, and will not write one', () => {
    const dir = tempDir();
    const bundle = writeBundle(dir, 3, null);
    writeFileSync(`${bundle}.cache`, 'x'.repeat(100));
    const loaded = loadBundle(bundle, `${bundle}.cache`);
    expect(loaded.cache).toBe('stale');
    loaded.run();
    expect(lastRun().value).toBe(3);
    expect(() => loaded.writeCache(`${bundle}.cache`)).toThrow(/bundle id/);
  });

  it.skipIf(!cliBuilt())(orSkipped('the build leaves a cache this Node accepts for the CLI bundle', cliBuilt() ? undefined : 'the CLI bundle is not built (npm test builds it)'), () => {
    expect(loadBundle(CLI_BUNDLE, `${CLI_BUNDLE}.cache`).cache).toBe('used');
  });
});
