// Property-based damage of every fixture capture: whatever the bytes, reading + decoding + the
// whole check never throws, every issue stays one line with an offset inside the stream, and
// the time stays linear in the input. The mutations are scripts/fuzz.mjs's own (so a failure
// here replays there, and the other way round); fast-check picks and shrinks them. A bounded
// number of cases here; `npm run fuzz` runs millions.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCaptureBuffer } from '../../src/capture/read.js';
import { CaptureRecord } from '../../src/capture/record.js';
import { decodeFrame } from '../../src/decode/decoder.js';
import { DecodedFrame } from '../../src/decode/frame.js';
import { checkCaptures } from '../../src/check/check.js';
import type { CheckResult } from '../../src/result/result.js';
import { formatJson } from '../../src/report/json.js';
import { FIXTURES } from './support.js';

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; bytes: number[] }
  | { kind: 'cut'; at: number }
  | { kind: 'splice'; at: number; other: number; from: number }
  | { kind: 'length'; field: number; value: number; swap: boolean }
  | { kind: 'dup'; at: number; len: number; times: number }
  | { kind: 'link'; field: number; type: number };

type Crafted =
  | { shape: 'sections'; pairs: number; declare: boolean; iface: number; linkType: number }
  | { shape: 'interfaces'; count: number; spread: number; packets: number }
  | { shape: 'timestamps'; hi: number; lo: number; gap: number; tsresol?: number; tsoffset?: string }
  | { shape: 'huge'; frames: number; size: number; copies: boolean }
  | { shape: 'claims'; count: number };

interface FuzzModule {
  EXTREMES: number[];
  NAME_PIECES: string[];
  listFixtureCaptures(root: string): string[];
  lengthFields(b: Buffer): { at: number; le: boolean }[];
  mutate(base: Uint8Array, mutations: Mutation[], others: Uint8Array[]): Buffer;
  craft(spec: Crafted): Buffer;
  checkInvariants(result: CheckResult, bytesLength: number, issuesPerCode?: number): string[];
  checkPrintable(reports: Record<string, string>): string[];
}

// Case counts: the whole hostile suite must stay near 30 s on a 2-core box.
const RUNS = Number(process.env.LVS_FUZZ_RUNS ?? 400);
const SEED = process.env.LVS_FUZZ_SEED !== undefined ? Number(process.env.LVS_FUZZ_SEED) : undefined;

let fz: FuzzModule;
let names: string[] = [];
let fixtures: Buffer[] = [];
let dir = '';

beforeAll(async () => {
  // By URL: the script is plain JS without a declaration file.
  fz = (await import(new URL('../../scripts/fuzz.mjs', import.meta.url).href)) as FuzzModule;
  const paths = fz.listFixtureCaptures(FIXTURES);
  names = paths.map((p) => p.slice(FIXTURES.length + 1));
  fixtures = paths.map((p) => {
    const raw = readFileSync(p);
    return raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw;
  });
  dir = mkdtempSync(join(tmpdir(), 'lvs-fuzz-test-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const frac = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: frac, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: frac, bytes: fc.array(fc.oneof(fc.constantFrom(0, 0xff, 0x7f, 0x80), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: frac }),
  fc.record({ kind: fc.constant('splice' as const), at: frac, other: fc.nat(), from: frac }),
  // Weighted: the length fields are where a reader can be made to allocate or loop.
  { arbitrary: fc.record({ kind: fc.constant('length' as const), field: fc.nat(), value: fc.constantFrom(0, 1, 0xffff, 0x7fffffff, 0xffffffff), swap: fc.boolean() }), weight: 3 },
  fc.record({ kind: fc.constant('dup' as const), at: frac, len: fc.integer({ min: 1, max: 64 }), times: fc.integer({ min: 1, max: 8 }) }),
  // Ethernet frames re-read as SLL, raw IP, loopback...: every decoder against foreign bytes.
  fc.record({ kind: fc.constant('link' as const), field: fc.nat(), type: fc.nat() }),
);
const damaged = fc.record({
  fixture: fc.nat(),
  mutations: fc.array(mutation, { minLength: 1, maxLength: 4 }),
  gzip: fc.boolean(),
});

let caseNo = 0;
async function wholeCheck(bytes: Uint8Array): Promise<{ result: CheckResult; ms: number }> {
  const p = join(dir, `case-${caseNo++ % 4}.cap`);
  writeFileSync(p, bytes);
  const t0 = performance.now();
  const result = await checkCaptures([p]);
  formatJson(result);
  return { result, ms: performance.now() - t0 };
}

describe('fuzz: damaged fixtures through the whole check', () => {
  it('every fixture is found and reads cleanly before damage', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(10);
    for (const [i, f] of fixtures.entries()) {
      const s = readCaptureBuffer(f, { onRecord: () => undefined, onIssue: () => undefined });
      // The fixture "truncated" is cut on purpose: a warning, never a fatal issue.
      expect(s.issues.filter((x) => x.fatal), names[i]).toEqual([]);
    }
  });

  it('never throws, keeps every invariant, time linear in the size', async () => {
    await fc.assert(
      fc.asyncProperty(damaged, async (d) => {
        const base = fixtures[d.fixture % fixtures.length]!;
        let bytes: Uint8Array = fz.mutate(base, d.mutations, fixtures);
        if (d.gzip) bytes = gzipSync(bytes, { level: 1 });
        const { result, ms } = await wholeCheck(bytes);
        expect(fz.checkInvariants(result, bytes.length)).toEqual([]);
        // Generous: a floor for GC pauses plus a per-KiB budget ~50x the measured cost; over it,
        // once more (a busy box is noise, a superlinear path is slow every time).
        const budget = 500 + (bytes.length / 1024) * 20;
        if (ms > budget) expect((await wholeCheck(bytes)).ms).toBeLessThan(budget);
      }),
      { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}), endOnFailure: false },
    );
  }, 120_000);

  it('a length field at every extreme, in every record of every fixture: no throw, no big allocation', () => {
    // Exhaustive over the first 10 length fields of each fixture rather than random.
    const frame = new DecodedFrame();
    const before = process.memoryUsage().arrayBuffers;
    let cases = 0;
    for (const f of fixtures) {
      const fields = fz.lengthFields(f).slice(0, 10);
      for (let field = 0; field < fields.length; field++) {
        for (const value of fz.EXTREMES) {
          for (const swap of [false, true]) {
            const bytes = fz.mutate(f, [{ kind: 'length', field, value, swap }], []);
            let frames = 0;
            let overrun = 0;
            const s = readCaptureBuffer(bytes, {
              onRecord(rec) {
                decodeFrame(rec, frame);
                frames++;
                // A record never claims bytes the input does not hold (a plain test: expect()
                // per record would dominate the run time).
                if (rec.offset + rec.capturedLength > rec.data.length) overrun++;
              },
              onIssue: () => undefined,
            }, { chunkSize: 1000 });
            expect(overrun).toBe(0);
            expect(s.frames).toBe(frames);
            expect(s.issues.filter((i) => i.fatal).length).toBeLessThanOrEqual(1);
            cases++;
          }
        }
      }
    }
    expect(cases).toBeGreaterThan(1000);
    // Nothing like a 2 or 4 GiB buffer was kept (or allocated and leaked).
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 2 ** 20);
  });

  it('time grows linearly with the number of records', () => {
    // The same fixture's records repeated 4x and 16x (timestamps unchanged: the worst case for
    // flow tables is the same flows again, not new ones). Best of 3 to shed GC noise.
    const base = fixtures[names.findIndex((n) => n === 'healthy/bridge.pcap')] ?? fixtures[0]!;
    const body = base.subarray(24);
    const grow = (k: number): Buffer => Buffer.concat([base.subarray(0, 24), ...new Array<Buffer>(k).fill(body)]);
    const frame = new DecodedFrame();
    const time = (b: Buffer): number => {
      let best = Infinity;
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        readCaptureBuffer(b, { onRecord: (rec) => decodeFrame(rec, frame), onIssue: () => undefined });
        best = Math.min(best, performance.now() - t0);
      }
      return best;
    };
    const t4 = time(grow(64));
    const t16 = time(grow(256));
    // 4x the input: allow up to 12x the time (noise on a busy box), far below quadratic (16x).
    expect(t16).toBeLessThan(Math.max(t4 * 12, 50));
  });
});

describe('fuzz: crafted captures under hostile names', () => {
  // The shapes scripts/fuzz.mjs builds, smaller: many sections or interfaces, clocks at their
  // extremes, big frames in one flow, many claimed addresses; any of them under a file name
  // made of escape sequences, line breaks, markup and bytes that are not UTF-8.
  const crafted: fc.Arbitrary<Crafted> = fc.oneof(
    fc.record({ shape: fc.constant('sections' as const), pairs: fc.integer({ min: 1, max: 3000 }), declare: fc.boolean(), iface: fc.integer({ min: 0, max: 2 }), linkType: fc.constantFrom(1, 113, 276, 147, 0xffff) }),
    fc.record({ shape: fc.constant('interfaces' as const), count: fc.integer({ min: 1, max: 600 }), spread: fc.integer({ min: 1, max: 7 }), packets: fc.integer({ min: 0, max: 400 }) }),
    fc.record(
      {
        shape: fc.constant('timestamps' as const),
        hi: fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xf0000000, 0xffffffff),
        lo: fc.constantFrom(0, 1, 0x7fffffff, 0xffffffff),
        gap: fc.constantFrom(0, 1, 1_000_000, 0x7fffffff),
        tsresol: fc.constantFrom(0, 6, 9, 19, 0x80 | 10, 0x80 | 24, 0x80 | 63),
        tsoffset: fc.constantFrom('0', '-1', String(2n ** 62n), String(-(2n ** 62n)), String(2n ** 63n - 1n), String(-(2n ** 63n))),
      },
      { requiredKeys: ['shape', 'hi', 'lo', 'gap'] },
    ),
    fc.record({ shape: fc.constant('huge' as const), frames: fc.integer({ min: 1, max: 6 }), size: fc.constantFrom(1460, 65000, 262_000), copies: fc.boolean() }),
    fc.record({ shape: fc.constant('claims' as const), count: fc.integer({ min: 1, max: 3000 }) }),
  );
  const name = fc.option(fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), { nil: undefined });

  it('never throws; issues capped per code; no control character raw in a text report', async () => {
    const { fsPath } = await import('../../src/capture/fs-path.js');
    const { FORMATS, reporters } = await import('../../src/report/index.js');
    const { gate, DEFAULT_GATE } = await import('../../src/report/gate.js');
    const { plainStyle } = await import('../../src/report/style.js');
    const { MAX_ISSUES_PER_CODE } = await import('../../src/capture/context.js');
    await fc.assert(
      fc.asyncProperty(crafted, name, fc.boolean(), async (spec, pieces, gzip) => {
        let bytes: Uint8Array = fz.craft(spec);
        if (gzip) bytes = gzipSync(bytes, { level: 1 });
        const file = pieces === undefined ? `case-${caseNo++ % 4}.cap` : `${pieces.map((i) => fz.NAME_PIECES[i % fz.NAME_PIECES.length]).join('').replace(/\u0000/g, '')}.pcap`;
        const p = join(dir, file);
        writeFileSync(fsPath(p), bytes);
        try {
          const result = await checkCaptures([p]);
          expect(fz.checkInvariants(result, bytes.length, MAX_ISSUES_PER_CODE + 1)).toEqual([]);
          const options = { style: plainStyle, allFlows: true, timeline: true, rules: [], gate: DEFAULT_GATE, gateResult: gate(result, DEFAULT_GATE) };
          const texts: Record<string, string> = {};
          for (const format of FORMATS) {
            if (format === 'json') continue;
            let text = '';
            reporters[format](result, options, (t) => (text += t));
            texts[format] = text;
          }
          expect(fz.checkPrintable(texts)).toEqual([]);
        } finally {
          rmSync(fsPath(p), { force: true });
        }
      }),
      { numRuns: Math.max(20, Math.floor(RUNS / 4)), ...(SEED !== undefined ? { seed: SEED } : {}), endOnFailure: false },
    );
  }, 120_000);
});

describe('fuzz: decoders read only the captured bytes', () => {
  // The reader hands records zero-copy inside its chunk, so the bytes after a record are the
  // next record's: a decoder reading past caplen would not crash, it would silently decode
  // someone else's bytes. Decoding the same damaged frame alone and inside random bytes must
  // give the same fields.
  const LINK_TYPES = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276];
  const BUFFER_OFFSETS = new Set(['ipOffset', 'ipPayloadOffset', 'innerIpOffset', 'l4Offset', 'l4PayloadOffset', 'vrrpAddrOffset']);
  const snapshot = (f: DecodedFrame, base: number): Record<string, unknown> => {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(f)) {
      if (k === 'data' || k === 'offset') continue;
      // Offsets into `data` are relative to where the frame starts.
      o[k] = v instanceof Uint8Array ? Array.from(v).join(',') : BUFFER_OFFSETS.has(k) && typeof v === 'number' && v >= 0 ? v - base : v;
    }
    return o;
  };
  it('same fields whatever lies around the frame', () => {
    const frames: { linkType: number; data: Buffer; len: number }[] = [];
    for (const f of fixtures) {
      readCaptureBuffer(f, {
        onRecord: (r) => void frames.push({ linkType: r.linkType, data: Buffer.from(r.data.subarray(r.offset, r.offset + r.capturedLength)), len: r.originalLength }),
        onIssue: () => undefined,
      });
    }
    const alone = new DecodedFrame();
    const inside = new DecodedFrame();
    fc.assert(
      fc.property(
        fc.nat(),
        fc.array(fc.record({ at: fc.integer({ min: 0, max: 79 }), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 4 }),
        frac,
        fc.option(fc.constantFrom(...LINK_TYPES), { nil: undefined }),
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        (which, edits, cutAt, linkType, noise) => {
          const src = frames[which % frames.length]!;
          const d = Buffer.from(src.data);
          for (const e of edits) if (e.at < d.length) d[e.at] = e.value;
          const caplen = Math.floor(cutAt * (d.length + 1));
          const rec = (data: Uint8Array, offset: number): CaptureRecord =>
            Object.assign(new CaptureRecord(), { linkType: linkType ?? src.linkType, data, offset, capturedLength: caplen, originalLength: Math.max(src.len, caplen) });
          decodeFrame(rec(d.subarray(0, caplen), 0), alone);
          const padded = Buffer.concat([noise.subarray(0, 7), d.subarray(0, caplen), noise]);
          decodeFrame(rec(padded, 7), inside);
          expect(snapshot(inside, 7)).toEqual(snapshot(alone, 0));
        },
      ),
      { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}) },
    );
  });
});

describe('fuzz: the whole check on big inputs stays linear', () => {
  it('4x more flows take well under 16x the time', async () => {
    const base = fixtures[names.findIndex((n) => n === 'healthy/bridge.pcap')] ?? fixtures[0]!;
    const body = base.subarray(24);
    // Shift every record's timestamp per copy so the copies are new traffic, not duplicates.
    const grow = (k: number): Buffer => {
      const parts: Buffer[] = [base.subarray(0, 24)];
      for (let i = 0; i < k; i++) {
        const c = Buffer.from(body);
        let p = 0;
        while (p + 16 <= c.length) {
          c.writeUInt32LE(c.readUInt32LE(p) + i * 100, p);
          p += 16 + c.readUInt32LE(p + 8);
        }
        parts.push(c);
      }
      return Buffer.concat(parts);
    };
    const best = async (b: Buffer): Promise<{ result: CheckResult; ms: number }> => {
      const a = await wholeCheck(b);
      const c = await wholeCheck(b);
      return a.ms < c.ms ? a : c;
    };
    const small = await best(grow(8));
    const big = await best(grow(32));
    expect(big.result.summary.frames).toBe(small.result.summary.frames * 4);
    expect(big.ms).toBeLessThan(Math.max(small.ms * 12, 200));
  }, 60_000);
});
