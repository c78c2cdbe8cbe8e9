import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TimestampConverter } from '../../src/capture/pcapng.js';
import { readCaptureBuffer } from '../../src/capture/read.js';
import { CaptureRecord } from '../../src/capture/record.js';
import { block, cat, CollectSink, epb, idb, opb, ORDERS, raw, shb, spb, u16, u32 } from './build.js';

describe.each(ORDERS)('pcapng, %s', (_name, le) => {
  it('reads EPBs with the default µs resolution', () => {
    const file = cat(
      shb(le), // SHB at 0, 28 bytes
      idb(le, 1, 65535), // IDB at 28, 20 bytes: Ethernet
      epb(le, 0, 0x00060a24, 0x18202240, 5, 64), // EPB at 48: 1,700,000,000.123456 s, 5 of 64 bytes
    );
    const sink = new CollectSink();
    const s = readCaptureBuffer(file, sink);
    expect(sink.records).toEqual([
      { frameNumber: 1, tsSeconds: 1700000000, tsNanos: 123456000, linkType: 1, interfaceId: 0, capturedLength: 5, originalLength: 64, fileOffset: 48, bytes: [0, 1, 2, 3, 4] },
    ]);
    expect(s).toEqual({ format: 'pcapng', nanosecond: false, bigEndian: !le, linkTypes: [1], snaplen: 65535, frames: 1, bytes: file.length, issues: [], complete: true });
  });

  it('several sections: interfaces reset, frame numbers continue, each frame keeps its link type and resolution', () => {
    const ns = 1700000000123456789n; // exceeds 2^53
    const file = cat(
      shb(le), // section 1
      idb(le, 1, 65535), // if 0: Ethernet, µs
      idb(le, 113, 65535, { tsresol: 9 }), // if 1: Linux SLL, ns (10^-9)
      epb(le, 1, Number(ns >> 32n), Number(ns & 0xffffffffn), 2), // ns timestamp
      epb(le, 0, 0, 1_500_000, 2), // 1.5 s in µs
      shb(!le), // section 2, other byte order
      idb(!le, 276, 262144, { tsresol: 0x80 | 10 }), // if 0: Linux SLL2, 2^-10 s
      epb(!le, 0, 0, 1024 * 3 + 512, 3), // 3.5 s
    );
    const sink = new CollectSink();
    const s = readCaptureBuffer(file, sink);
    expect(s.issues).toEqual([]);
    expect(sink.records.map((r) => [r.frameNumber, r.linkType, r.interfaceId, r.tsSeconds, r.tsNanos])).toEqual([
      [1, 113, 1, 1700000000, 123456789],
      [2, 1, 0, 1, 500_000_000],
      [3, 276, 0, 3, 500_000_000],
    ]);
    expect(s.linkTypes).toEqual([1, 113, 276]);
    expect(s.bigEndian).toBe(!le);
  });

  it('a packet referring to an interface of the previous section is skipped, reported once per id', () => {
    const file = cat(
      shb(le),
      idb(le, 1, 0),
      idb(le, 1, 0),
      shb(le), // interfaces reset here
      idb(le, 1, 0),
      epb(le, 1, 0, 0, 1), // no interface 1 in this section
      epb(le, 1, 0, 0, 1), // again: no second issue
      epb(le, 0, 0, 0, 1), // fine
    );
    const sink = new CollectSink();
    const s = readCaptureBuffer(file, sink);
    expect(sink.records.length).toBe(1);
    expect(s.issues).toEqual([
      { code: 'unknown_interface', offset: 116, message: 'packet block at byte 116 refers to interface 1, but the section declares only interface 0; its packets are skipped (reported once per id)', fatal: false },
    ]);
    expect(s.complete).toBe(true);
  });

  it('skips unknown blocks by their length', () => {
    const file = cat(
      shb(le),
      idb(le, 1, 0),
      block(le, 0x00000bad, raw(1, 2, 3, 4, 5)), // unknown block with padding
      block(le, 5, [...u32(le, 0), ...u32(le, 0)]), // interface statistics block: skipped
      epb(le, 0, 0, 0, 1),
    );
    const sink = new CollectSink();
    expect(readCaptureBuffer(file, sink).issues).toEqual([]);
    expect(sink.records.length).toBe(1);
  });

  it('SPB takes its captured length from the interface-0 snaplen; OPB is read like an EPB', () => {
    const file = cat(
      shb(le),
      idb(le, 1, 4), // snaplen 4
      spb(le, 10, 4), // origlen 10, 4 bytes stored
      spb(le, 2, 2), // origlen 2: 2 bytes + 2 padding
      opb(le, 0, 0, 2_000_001, 3), // 2.000001 s
    );
    const sink = new CollectSink();
    expect(readCaptureBuffer(file, sink).issues).toEqual([]);
    expect(sink.records.map((r) => [r.capturedLength, r.originalLength, r.tsSeconds, r.tsNanos, r.bytes.length])).toEqual([
      [4, 10, 0, 0, 4],
      [2, 2, 0, 0, 2],
      [3, 3, 2, 1000, 3],
    ]);
  });

  it('applies if_tsoffset', () => {
    const file = cat(shb(le), idb(le, 1, 0, { tsoffset: [0, 1000] }), epb(le, 0, 0, 5_000_000, 1));
    const sink = new CollectSink();
    readCaptureBuffer(file, sink);
    expect(sink.records[0]).toMatchObject({ tsSeconds: 1005, tsNanos: 0 });
  });

  it.each([
    ['below 12', 8, 'total length 8 is below the minimum of 12'],
    ['not a multiple of 4', 14, 'total length 14 is not a multiple of 4'],
    ['huge', 0xfffffff0, 'total length 4294967280 is above the maximum of 16777216'],
  ])('block length %s is fatal at the block', (_n, len, why) => {
    const file = cat(shb(le), idb(le, 1, 0), epb(le, 0, 0, 0, 1), u32(le, 6), u32(le, len), new Array<number>(40).fill(0));
    const sink = new CollectSink();
    const s = readCaptureBuffer(file, sink, { chunkSize: 5 });
    expect(sink.records.length).toBe(1);
    expect(s.issues).toEqual([{ code: 'bad_block_length', offset: 84, message: `enhanced packet block at byte 84: ${why}`, fatal: true }]);
  });

  it('a trailing length that differs from the leading one is fatal', () => {
    const bad = epb(le, 0, 0, 0, 4);
    bad.splice(bad.length - 4, 4, ...u32(le, 99));
    const s = readCaptureBuffer(cat(shb(le), idb(le, 1, 0), bad), new CollectSink());
    expect(s.issues).toEqual([{ code: 'bad_block_length', offset: 48, message: 'enhanced packet block at byte 48: trailing length 99 differs from leading length 36', fatal: true }]);
  });

  it('a bad byte-order magic is fatal', () => {
    const b = shb(le);
    b.splice(8, 4, 1, 2, 3, 4);
    const s = readCaptureBuffer(cat(b), new CollectSink());
    expect(s.issues).toEqual([{ code: 'bad_byte_order_magic', offset: 8, message: 'section header at byte 0: byte-order magic 01020304 is neither 1a2b3c4d nor 4d3c2b1a', fatal: true }]);
  });

  it('an EPB caplen larger than its block is fatal', () => {
    const b = epb(le, 0, 0, 0, 4);
    b.splice(20, 4, ...u32(le, 100));
    const s = readCaptureBuffer(cat(shb(le), idb(le, 1, 0), b), new CollectSink());
    expect(s.issues[0]).toMatchObject({ code: 'bad_caplen', offset: 48, fatal: true, message: 'record 1 at byte 48: captured length 100 exceeds the 4 bytes of its block' });
  });

  it('a block cut by the end of the file: complete records, then truncated_record', () => {
    const full = cat(shb(le), idb(le, 1, 0), epb(le, 0, 0, 0, 8), epb(le, 0, 0, 0, 8));
    const s = readCaptureBuffer(full.subarray(0, full.length - 10), new CollectSink());
    expect(s.frames).toBe(1);
    expect(s.issues).toEqual([
      { code: 'truncated_record', offset: 88, message: 'capture cut at byte 88 inside record 2 (enhanced packet block, have 30 of 40 bytes)', fatal: false },
    ]);
    expect(s.complete).toBe(false);
  });

  it('a cut non-packet block and a cut block header', () => {
    const a = readCaptureBuffer(cat(shb(le), idb(le, 1, 0)).subarray(0, 40), new CollectSink());
    expect(a.issues).toEqual([{ code: 'truncated_record', offset: 28, message: 'capture cut at byte 28 inside an interface description block (have 12 of 20 bytes)', fatal: false }]);
    const b = readCaptureBuffer(cat(shb(le), idb(le, 1, 0), epb(le, 0, 0, 0, 1)).subarray(0, 50), new CollectSink());
    expect(b.issues).toEqual([{ code: 'truncated_record', offset: 48, message: 'capture cut at byte 48 inside a block (header: have 2 of 12 bytes)', fatal: false }]);
  });

  it('rejects pcapng major versions other than 1', () => {
    const s = readCaptureBuffer(cat(shb(le, 2)), new CollectSink());
    expect(s.issues[0]).toMatchObject({ code: 'unsupported_version', offset: 12, fatal: true });
  });

  it('IDB option parsing stops at the end of the options', () => {
    const file = cat(
      shb(le),
      block(le, 1, [
        ...u16(le, 1), ...u16(le, 0), ...u32(le, 0), // link type 1, reserved, snaplen 0
        ...u16(le, 2), ...u16(le, 3), 0x65, 0x74, 0x68, 0, // if_name "eth" + pad
        ...u16(le, 9), ...u16(le, 1), 3, 0, 0, 0, // if_tsresol 10^-3
        ...u16(le, 0), ...u16(le, 0), // end of options
      ]),
      epb(le, 0, 0, 1234, 1),
    );
    const sink = new CollectSink();
    readCaptureBuffer(file, sink);
    expect(sink.records[0]).toMatchObject({ tsSeconds: 1, tsNanos: 234_000_000 });
  });
});

describe('TimestampConverter is exact for 64-bit tick counts', () => {
  const reference = (hi: number, lo: number, units: bigint): [number, number] => {
    const t = (BigInt(hi) << 32n) | BigInt(lo);
    return [Number(t / units), Number(((t % units) * 1_000_000_000n) / units)];
  };
  const modes: Array<[string, number, bigint, number]> = [
    ['10^-6', 0, 1_000_000n, 1000],
    ['10^-9', 0, 1_000_000_000n, 1],
    ['10^-3', 0, 1000n, 1_000_000],
    ['10^0', 0, 1n, 1_000_000_000],
    ['2^-10', 1, 1024n, 0],
    ['2^-20', 1, 1n << 20n, 0],
    ['2^-30', 2, 1n << 30n, 0],
    ['10^-12', 2, 1_000_000_000_000n, 0],
  ];
  it.each(modes)('%s', (_n, mode, units, mul) => {
    const rec = new CaptureRecord();
    const conv = new TimestampConverter();
    // A small pool of `hi` values so the cached high part is reused as well as recomputed.
    const his = [0, 1, 0x1fffff, 0x200000, 395812, 0xffffffff];
    fc.assert(
      fc.property(fc.oneof(fc.nat(0xffffffff), fc.constantFrom(...his)), fc.nat(0xffffffff), (hi, lo) => {
        conv.convert(rec, hi, lo, mode, Number(units), mul);
        const [sec, nanos] = reference(hi, lo, units);
        expect(rec.tsNanos).toBe(nanos);
        // Seconds beyond 2^53 (coarse resolutions with huge tick counts) cannot be exact anyway.
        if (sec <= Number.MAX_SAFE_INTEGER) expect(rec.tsSeconds).toBe(sec);
      }),
      { numRuns: 3000, examples: [[0, 0], [0xffffffff, 0xffffffff], [0x1fffff, 0xffffffff], [0x200000, 0], [395812, 0x4c9b2a40]] },
    );
  });
});
