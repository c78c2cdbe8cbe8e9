// Helpers for the hostile-input suite: run the built CLI as a user would, measure the child's
// peak memory, and build damaged captures byte by byte. The CLI is run as installed (bin/ and
// the bundle in dist/, not through vitest's transform): what must never crash is the program
// people run.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { CLI_BIN, CLI_BUNDLE, cliBuilt } from '../support/cli.js';
import { RS1, RS2, drConversation, toPcap, type TestFrame } from '../support/packets.js';

export const REPO = join(import.meta.dirname, '../..');
export const CLI = CLI_BIN;
export const FIXTURES = join(REPO, 'fixtures');

/** `npm test` builds dist/ first; running vitest alone after a clean checkout does not. */
export function requireDist(): void {
  if (!cliBuilt()) throw new Error(`${CLI_BUNDLE} is missing: build first (npm run build, or npm test)`);
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'lvs-hostile-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

// GNU time reports the peak RSS of the whole child (not only what Node's heap sees), so a
// buffer allocated from a garbage length shows up even if it is freed before exit.
const GNU_TIME = ['/usr/bin/time', '/bin/time'].find((p) => existsSync(p) && spawnSync(p, ['-f', '%M', 'true']).status === 0);
const RSS_PROBE = `data:text/javascript,${encodeURIComponent(
  'import{writeFileSync}from"node:fs";process.on("exit",()=>writeFileSync(process.env.LVS_RSS_OUT,String(process.resourceUsage().maxRSS)));',
)}`;

export interface CliRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Peak resident set of the child in KiB, when measured. */
  peakRssKiB: number | undefined;
  ms: number;
}

export interface RunOptions {
  input?: Uint8Array | string;
  timeoutMs?: number;
  measureRss?: boolean;
  cwd?: string;
}

/** Runs `node dist/cli/main.js ...args` synchronously. */
export function runCli(args: string[], o: RunOptions = {}): CliRun {
  const rssFile = o.measureRss ? join(mkdtempSync(join(tmpdir(), 'lvs-rss-')), 'rss') : undefined;
  let cmd = process.execPath;
  let argv = [CLI, ...args];
  const env = { ...process.env, NO_COLOR: '1' };
  if (rssFile && GNU_TIME) {
    cmd = GNU_TIME;
    argv = ['-o', rssFile, '-f', '%M', process.execPath, CLI, ...args];
  } else if (rssFile) {
    // No GNU time: a preload that writes Node's own maxRSS at exit (same figure, from getrusage).
    argv = ['--import', RSS_PROBE, CLI, ...args];
    Object.assign(env, { LVS_RSS_OUT: rssFile });
  }
  const t0 = Date.now();
  const r = spawnSync(cmd, argv, {
    input: o.input,
    encoding: 'utf8',
    timeout: o.timeoutMs ?? 20_000,
    maxBuffer: 64 * 1024 * 1024,
    env,
    cwd: o.cwd ?? REPO,
  });
  const ms = Date.now() - t0;
  let peakRssKiB: number | undefined;
  if (rssFile) {
    try {
      // GNU time writes "Command exited with non-zero status N" before the figure.
      const lines = readFileSync(rssFile, 'utf8').trim().split('\n');
      peakRssKiB = Number(lines[lines.length - 1]);
    } catch {
      peakRssKiB = undefined;
    }
    rmSync(join(rssFile, '..'), { recursive: true, force: true });
  }
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', peakRssKiB, ms };
}

/**
 * Runs the CLI with a stdin we control: `feed` writes to it (and may wait) and ends it.
 * Resolves when the child exits.
 */
export function runCliStreaming(args: string[], feed: (stdin: NodeJS.WritableStream) => Promise<void>, timeoutMs = 20_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1' }, cwd: REPO });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    // The child may exit before we finish writing (e.g. it rejected the input): not our failure.
    child.stdin.on('error', () => undefined);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr, peakRssKiB: undefined, ms: Date.now() - t0 });
    });
    feed(child.stdin).catch(reject);
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function write(stream: NodeJS.WritableStream, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    if (stream.write(bytes)) resolve();
    else stream.once('drain', () => resolve());
  });
}

/**
 * What every run must satisfy, whatever the input: the child exited by itself (no signal, no
 * timeout), with a documented status, and stderr has no stack trace and no multi-line message:
 * each line is one complete message.
 */
export function expectNoCrash(r: CliRun): void {
  expect(r.signal, `killed by ${r.signal} after ${r.ms} ms; stderr: ${r.stderr}`).toBeNull();
  expect([0, 1, 2], `exit ${r.status}; stderr: ${r.stderr}`).toContain(r.status);
  expect(r.stderr, 'stack trace on stderr').not.toMatch(/^\s+at /m);
  expect(r.stderr).not.toMatch(/internal error/);
  expect(r.stderr).not.toMatch(/\b(TypeError|RangeError|ReferenceError|SyntaxError)\b/);
}

/** stderr lines, without the trailing empty one. */
export function stderrLines(r: CliRun): string[] {
  return r.stderr.split('\n').filter((l) => l !== '');
}

/** Exactly one line on stderr, matching `pattern`; returns it. */
export function expectOneLine(r: CliRun, pattern: RegExp): string {
  expectNoCrash(r);
  const lines = stderrLines(r);
  expect(lines, `stderr: ${r.stderr}`).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  return lines[0]!;
}

export function json(r: CliRun): JsonResult {
  try {
    return JSON.parse(r.stdout) as JsonResult;
  } catch {
    throw new Error(`stdout is not JSON (exit ${r.status}); stdout: ${r.stdout.slice(0, 500)}; stderr: ${r.stderr}`);
  }
}

/** The parts of `--format json` the hostile tests look at. */
export interface JsonResult {
  verdict: 'pass' | 'fail' | 'no-traffic';
  captures: { path: string; format: string; frames: number; bytes: number; compressed: boolean; issues: { severity: string; code: string; offset: number; message: string }[] }[];
  flows: { verdict: string }[];
  findings: { rule: string; severity: string }[];
  summary: {
    frames: number;
    flows: number;
    flowsByVerdict: Record<string, number>;
    findingsBySeverity: Record<string, number>;
    weirds: Record<string, number>;
    unsupportedLinkTypes: Record<string, number>;
  };
}

/** Escapes a path for use inside a RegExp. */
export function re(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ---- byte builders ------------------------------------------------------------------------------

export interface PcapHeaderOptions {
  le?: boolean;
  magic?: number;
  major?: number;
  minor?: number;
  snaplen?: number;
  linkType?: number;
}

export function pcapHeader(o: PcapHeaderOptions = {}): Buffer {
  const le = o.le ?? true;
  const b = Buffer.alloc(24);
  const u16 = (v: number, at: number): number => (le ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at));
  const u32 = (v: number, at: number): number => (le ? b.writeUInt32LE(v >>> 0, at) : b.writeUInt32BE(v >>> 0, at));
  u32(o.magic ?? 0xa1b2c3d4, 0);
  u16(o.major ?? 2, 4);
  u16(o.minor ?? 4, 6);
  u32(o.snaplen ?? 262144, 16);
  u32(o.linkType ?? 1, 20);
  return b;
}

/** A classic pcap record header (little-endian) with the given lengths. */
export function pcapRecordHeader(caplen: number, origlen: number, sec = 1_700_000_000, usec = 0): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt32LE(sec >>> 0, 0);
  b.writeUInt32LE(usec >>> 0, 4);
  b.writeUInt32LE(caplen >>> 0, 8);
  b.writeUInt32LE(origlen >>> 0, 12);
  return b;
}

/** Offsets of each record header in a little-endian classic pcap. */
export function pcapRecordOffsets(b: Uint8Array): number[] {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const out: number[] = [];
  let p = 24;
  while (p + 16 <= buf.length) {
    out.push(p);
    p += 16 + buf.readUInt32LE(p + 8);
  }
  return out;
}

export function pngBlock(type: number, body: Uint8Array, le = true): Buffer {
  const pad = (4 - (body.length % 4)) % 4;
  const len = 12 + body.length + pad;
  const b = Buffer.alloc(len);
  if (le) {
    b.writeUInt32LE(type >>> 0, 0);
    b.writeUInt32LE(len, 4);
    b.writeUInt32LE(len, len - 4);
  } else {
    b.writeUInt32BE(type >>> 0, 0);
    b.writeUInt32BE(len, 4);
    b.writeUInt32BE(len, len - 4);
  }
  b.set(body, 8);
  return b;
}

export function shb(le = true, byteOrderMagic = 0x1a2b3c4d): Buffer {
  const body = Buffer.alloc(16);
  if (le) {
    body.writeUInt32LE(byteOrderMagic >>> 0, 0);
    body.writeUInt16LE(1, 4);
  } else {
    body.writeUInt32BE(byteOrderMagic >>> 0, 0);
    body.writeUInt16BE(1, 4);
  }
  body.fill(0xff, 8, 16); // section length: unknown
  return pngBlock(0x0a0d0d0a, body, le);
}

export function idb(linkType = 1, snaplen = 262144): Buffer {
  const body = Buffer.alloc(8);
  body.writeUInt16LE(linkType, 0);
  body.writeUInt32LE(snaplen, 4);
  return pngBlock(1, body);
}

export function epb(iface: number, frame: Uint8Array, usec = 1_700_000_000_000_000): Buffer {
  const body = Buffer.alloc(20 + frame.length);
  body.writeUInt32LE(iface, 0);
  body.writeUInt32LE(Math.floor(usec / 2 ** 32), 4);
  body.writeUInt32LE(usec % 2 ** 32, 8);
  body.writeUInt32LE(frame.length, 12);
  body.writeUInt32LE(frame.length, 16);
  body.set(frame, 20);
  return pngBlock(6, body);
}

// ---- per-file fixtures -------------------------------------------------------------------------

/** A temp directory for the calling test file (made in beforeAll, removed in afterAll). */
export function useTempDir(): { file: (name: string, bytes: Uint8Array | string) => string; path: (name: string) => string } {
  let t: { dir: string; cleanup: () => void } | undefined;
  beforeAll(() => {
    requireDist();
    t = tempDir();
  });
  afterAll(() => t?.cleanup());
  const path = (name: string): string => {
    if (!t) throw new Error('useTempDir: used outside a test');
    return join(t.dir, name);
  };
  return {
    path,
    file(name, bytes) {
      const p = path(name);
      writeFileSync(p, bytes);
      return p;
    },
  };
}

let baseline: number | undefined;
/** Peak RSS (KiB) of the CLI on a header-only capture: what "small" is measured against. */
export function baselineRssKiB(): number {
  if (baseline === undefined) {
    const t = tempDir();
    try {
      const p = join(t.dir, 'baseline.pcap');
      writeFileSync(p, pcapHeader());
      baseline = runCli(['check', p], { measureRss: true }).peakRssKiB ?? 0;
    } finally {
      t.cleanup();
    }
  }
  return baseline;
}
/** A bogus length must not allocate it: generous above the baseline, far below any such buffer. */
export const RSS_SLACK_KIB = 96 * 1024;

/** Three healthy DR connections from different client ports (mirror-port view): verdict pass. */
export function drFrames(): TestFrame[] {
  return [
    ...drConversation({ clientPort: 40001, rs: RS1 }),
    ...drConversation({ clientPort: 40002, rs: RS2, startSeconds: 1_700_000_001 }),
    ...drConversation({ clientPort: 40003, rs: RS1, startSeconds: 1_700_000_002 }),
  ];
}
export const drPcap = (): Buffer => Buffer.from(toPcap(drFrames()));

/** `check PATH --format json ...extra` */
export function check(path: string, ...extra: string[]): CliRun {
  return runCli(['check', path, '--format', 'json', ...extra]);
}
