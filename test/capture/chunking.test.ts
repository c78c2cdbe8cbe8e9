import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CaptureParser } from '../../src/capture/parser.js';
import { block, cat, CollectSink, epb, idb, pcapHeader, pcapRecord, raw, shb, spb, u32, type Row } from './build.js';

const pcapFile = fc
  .record({
    le: fc.boolean(),
    ns: fc.boolean(),
    recs: fc.array(fc.record({ sec: fc.nat(0xffffffff), frac: fc.nat(999_999), len: fc.nat(70), seed: fc.nat(255) }), { maxLength: 12 }),
  })
  .map(({ le, ns, recs }) =>
    cat(pcapHeader(le, { magic: ns ? 0xa1b23c4d : 0xa1b2c3d4, snaplen: 64 }), ...recs.map((r) => pcapRecord(le, r.sec, r.frac, r.len, r.len + 3, r.seed))),
  );

const pcapngBlock = (le: boolean): fc.Arbitrary<Row> =>
  fc.oneof(
    fc.record({ iface: fc.nat(2), hi: fc.nat(0xffffffff), lo: fc.nat(0xffffffff), len: fc.nat(70), seed: fc.nat(255) }).map((r) => epb(le, r.iface, r.hi, r.lo, r.len, r.len, r.seed)),
    fc.record({ link: fc.constantFrom(1, 113, 276), res: fc.constantFrom(undefined, 3, 6, 9, 0x80 | 20, 12) }).map((r) => idb(le, r.link, 40, r.res === undefined ? {} : { tsresol: r.res })),
    fc.nat(60).map((n) => spb(le, n, Math.min(n, 40))),
    fc.nat(20).map((n) => block(le, 0x40000001, raw(...new Array<number>(n).fill(7)))),
  );

const pcapngFile = fc
  .array(fc.boolean().chain((le) => fc.array(pcapngBlock(le), { maxLength: 6 }).map((blocks) => [...shb(le), ...blocks.flat()])), { minLength: 1, maxLength: 3 })
  .map((sections) => cat(...sections));

/** A capture, optionally cut short or with a corrupt length spliced in. */
const anyCapture = fc
  .tuple(fc.oneof(pcapFile, pcapngFile), fc.oneof(fc.constant(-1), fc.nat(2000)), fc.oneof(fc.constant(-1), fc.nat(2000)))
  .map(([bytes, cut, corrupt]) => {
    let b = bytes;
    if (corrupt >= 0 && b.length > 8) {
      b = b.slice();
      b.set(u32(true, 0xfffffff1), corrupt % (b.length - 4));
    }
    return cut >= 0 ? b.subarray(0, cut % (b.length + 1)) : b;
  });

function run(bytes: Uint8Array, cuts: number[]): { sink: CollectSink; summary: ReturnType<CaptureParser['end']> } {
  const sink = new CollectSink();
  const p = new CaptureParser(sink);
  let at = 0;
  for (const c of [...cuts, bytes.length]) {
    if (c < at) continue;
    // Push copies so a parser that kept a reference to a chunk would show up as a difference.
    const chunk = bytes.slice(at, c);
    p.push(chunk);
    chunk.fill(0xee);
    at = c;
  }
  return { sink, summary: p.end() };
}

describe('chunking', () => {
  it('any split of the same bytes gives identical records, issues and summary', () => {
    fc.assert(
      fc.property(anyCapture, fc.array(fc.nat(5000)), (bytes, rawCuts) => {
        const cuts = rawCuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b);
        const whole = run(bytes, []);
        const split = run(bytes, cuts);
        expect(split.sink.records).toEqual(whole.sink.records);
        expect(split.sink.issues).toEqual(whole.sink.issues);
        expect(split.summary).toEqual(whole.summary);
      }),
      { numRuns: 600 },
    );
  });

  it('one byte at a time gives identical results', () => {
    fc.assert(
      fc.property(anyCapture, (bytes) => {
        const whole = run(bytes, []);
        const bytewise = run(bytes, Array.from({ length: bytes.length }, (_, i) => i));
        expect(bytewise.sink.records).toEqual(whole.sink.records);
        expect(bytewise.summary).toEqual(whole.summary);
      }),
      { numRuns: 150 },
    );
  });

  it('records pushed as Buffers reach the sink as plain Uint8Arrays over the same bytes', () => {
    // One record inside a chunk, one split across two (it goes through the carry buffer).
    const file = Buffer.from(cat(pcapHeader(true), pcapRecord(true, 1, 2, 40, 40, 7), pcapRecord(true, 3, 4, 40, 40, 9)));
    const kinds: string[] = [];
    const sink = new CollectSink();
    const p = new CaptureParser({
      onRecord(r) {
        kinds.push(r.data.constructor.name);
        sink.onRecord(r);
      },
      onIssue: (i) => sink.onIssue(i),
    });
    p.push(file.subarray(0, 100));
    p.push(file.subarray(100));
    p.end();
    expect(kinds).toEqual(['Uint8Array', 'Uint8Array']);
    expect(sink.records).toEqual(run(new Uint8Array(file), []).sink.records);
  });

  it('empty chunks are harmless', () => {
    const file = cat(pcapHeader(true), pcapRecord(true, 1, 2, 3));
    const sink = new CollectSink();
    const p = new CaptureParser(sink);
    p.push(new Uint8Array(0));
    p.push(file.subarray(0, 30));
    p.push(new Uint8Array(0));
    p.push(file.subarray(30));
    expect(p.end()).toMatchObject({ frames: 1, complete: true });
  });
});
