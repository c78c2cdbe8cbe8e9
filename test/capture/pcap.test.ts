import { describe, expect, it } from 'vitest';
import { CaptureParser } from '../../src/capture/parser.js';
import { readCaptureBuffer } from '../../src/capture/read.js';
import { CaptureRecord } from '../../src/capture/record.js';
import { cat, CollectSink, ORDERS, pcapHeader, pcapRecord, u32, raw } from './build.js';

describe.each(ORDERS)('classic pcap, %s', (_name, le) => {
  it('reads µs records with their fields and stream offsets', () => {
    const file = cat(
      pcapHeader(le, { snaplen: 65535, linkType: 1 }), // 24-byte file header
      pcapRecord(le, 1700000000, 123456, 4, 60), // record 1 at byte 24: 4 of 60 bytes
      pcapRecord(le, 1700000001, 999999, 3, 3, 7), // record 2 at byte 24+16+4 = 44
    );
    const sink = new CollectSink();
    const s = readCaptureBuffer(file, sink);
    expect(sink.records).toEqual([
      { frameNumber: 1, tsSeconds: 1700000000, tsNanos: 123456000, linkType: 1, interfaceId: 0, capturedLength: 4, originalLength: 60, fileOffset: 24, bytes: [0, 1, 2, 3] },
      { frameNumber: 2, tsSeconds: 1700000001, tsNanos: 999999000, linkType: 1, interfaceId: 0, capturedLength: 3, originalLength: 3, fileOffset: 44, bytes: [7, 8, 9] },
    ]);
    expect(s).toEqual({ format: 'pcap', nanosecond: false, bigEndian: !le, linkTypes: [1], snaplen: 65535, frames: 2, bytes: file.length, issues: [], complete: true });
  });

  it('reads ns records', () => {
    const file = cat(
      pcapHeader(le, { magic: 0xa1b23c4d }), // nanosecond magic
      pcapRecord(le, 5, 999999999, 1), // ts_nsec at the top of its range
    );
    const sink = new CollectSink();
    const s = readCaptureBuffer(file, sink);
    expect(s.nanosecond).toBe(true);
    expect(sink.records[0]).toMatchObject({ tsSeconds: 5, tsNanos: 999999999 });
  });

  it('hands over records zero-copy from the pushed chunk', () => {
    const file = cat(pcapHeader(le), pcapRecord(le, 1, 2, 5));
    let seen: Uint8Array | undefined;
    let offset = -1;
    const p = new CaptureParser({ onRecord: (r: CaptureRecord) => { seen = r.data; offset = r.offset; }, onIssue: () => {} });
    p.push(file);
    expect(seen).toBe(file);
    expect(offset).toBe(40);
  });

  it('masks the FCS/extension bits out of the link-type field', () => {
    const file = cat(pcapHeader(le, { linkType: 0x14000001 }), pcapRecord(le, 1, 0, 1)); // FCS length 1, Ethernet
    const sink = new CollectSink();
    expect(readCaptureBuffer(file, sink).linkTypes).toEqual([1]);
    expect(sink.records[0]!.linkType).toBe(1);
  });

  it('normalises a microsecond field of 1,000,000 or more into the seconds', () => {
    const sink = new CollectSink();
    readCaptureBuffer(cat(pcapHeader(le), pcapRecord(le, 10, 2_500_000, 1)), sink);
    expect(sink.records[0]).toMatchObject({ tsSeconds: 12, tsNanos: 500_000_000 });
  });

  it('swaps caplen/len for version 2.2 and for 2.3 when caplen > len, like libpcap', () => {
    const old = cat(
      pcapHeader(le, { minor: 2 }), // pre-2.3: len stored first
      u32(le, 1), u32(le, 0), // ts
      u32(le, 60), // (swapped) orig_len
      u32(le, 2), // (swapped) incl_len
      raw(0xaa, 0xbb), // data
    );
    const sink = new CollectSink();
    expect(readCaptureBuffer(old, sink).complete).toBe(true);
    expect(sink.records[0]).toMatchObject({ capturedLength: 2, originalLength: 60, bytes: [0xaa, 0xbb] });
    const maybe = cat(pcapHeader(le, { minor: 3 }), u32(le, 1), u32(le, 0), u32(le, 60), u32(le, 2), raw(0xaa, 0xbb));
    const sink2 = new CollectSink();
    readCaptureBuffer(maybe, sink2);
    expect(sink2.records[0]).toMatchObject({ capturedLength: 2, originalLength: 60 });
  });

  it('rejects other major versions', () => {
    const sink = new CollectSink();
    const s = readCaptureBuffer(cat(pcapHeader(le, { major: 3, minor: 0 })), sink);
    expect(s.issues).toEqual([{ code: 'unsupported_version', offset: 4, message: 'unsupported pcap version 3.0 (supported: 2.0 to 2.4)', fatal: true }]);
    expect(s.complete).toBe(false);
  });

  it('an empty capture (header only) is complete', () => {
    const s = readCaptureBuffer(cat(pcapHeader(le)), new CollectSink());
    expect(s).toMatchObject({ format: 'pcap', frames: 0, complete: true, issues: [] });
  });

  it('a cut record body: every complete record, then one truncated_record at the cut record', () => {
    const file = cat(pcapHeader(le), pcapRecord(le, 1, 0, 10), pcapRecord(le, 2, 0, 10)).subarray(0, 24 + 26 + 16 + 4);
    const sink = new CollectSink();
    const s = readCaptureBuffer(file, sink);
    expect(sink.records.length).toBe(1);
    expect(s.issues).toEqual([{ code: 'truncated_record', offset: 50, message: 'capture cut at byte 50 inside record 2 (body: have 4 of 10 bytes)', fatal: false }]);
    expect(s.complete).toBe(false);
    expect(s.frames).toBe(1);
  });

  it('a cut record header', () => {
    const file = cat(pcapHeader(le), pcapRecord(le, 1, 0, 10), raw(1, 2, 3, 4, 5)); // 5 of 16 header bytes
    const s = readCaptureBuffer(file, new CollectSink(), { chunkSize: 7 });
    expect(s.issues).toEqual([{ code: 'truncated_record', offset: 50, message: 'capture cut at byte 50 inside record 2 (header: have 5 of 16 bytes)', fatal: false }]);
  });

  it('a cut file header is fatal: without a whole header there is no capture', () => {
    const s = readCaptureBuffer(cat(pcapHeader(le)).subarray(0, 10), new CollectSink());
    expect(s.issues).toEqual([{ code: 'truncated_record', offset: 0, message: 'capture cut at byte 0 inside the pcap file header (have 10 of 24 bytes)', fatal: true }]);
    expect(s.format).toBe('pcap');
  });

  it('a bogus caplen is fatal at its record, before any body byte is buffered', () => {
    const sink = new CollectSink();
    const parser = new CaptureParser(sink);
    parser.push(cat(pcapHeader(le), pcapRecord(le, 1, 0, 2)));
    // Only the 16-byte header of the bad record: the verdict must not wait for 4 GB of body.
    parser.push(cat(u32(le, 1), u32(le, 0), u32(le, 0xfffffff0), u32(le, 0xfffffff0)));
    expect(sink.issues).toEqual([
      { code: 'bad_caplen', offset: 42, message: 'record 2 at byte 42: captured length 4294967280 exceeds the maximum of 262144 (file snaplen 65535)', fatal: true },
    ]);
    parser.push(new Uint8Array(100)); // ignored after the fatal issue
    const s = parser.end();
    expect(s.frames).toBe(1);
    expect(s.complete).toBe(false);
    expect(s.issues.length).toBe(1);
  });

  it('maxCaptureLength lowers the limit', () => {
    const sink = new CollectSink();
    const s = readCaptureBuffer(cat(pcapHeader(le), pcapRecord(le, 1, 0, 100)), sink, { maxCaptureLength: 64 });
    expect(s.issues[0]).toMatchObject({ code: 'bad_caplen', offset: 24, fatal: true });
    expect(s.issues[0]!.message).toContain('captured length 100 exceeds the maximum of 64');
  });

  it('caplen over snaplen and origlen under caplen are kept, each reported once', () => {
    const file = cat(
      pcapHeader(le, { snaplen: 4 }), // snaplen 4
      pcapRecord(le, 1, 0, 6), // over snaplen
      pcapRecord(le, 2, 0, 6), // over again: no second issue
      pcapRecord(le, 3, 0, 3, 2), // origlen 2 < caplen 3
      pcapRecord(le, 4, 0, 3, 1), // again: no second issue
    );
    const sink = new CollectSink();
    const s = readCaptureBuffer(file, sink);
    expect(sink.records.map((r) => r.capturedLength)).toEqual([6, 6, 3, 3]);
    expect(s.issues.map((i) => [i.code, i.offset, i.fatal])).toEqual([
      ['caplen_over_snaplen', 24, false],
      ['origlen_below_caplen', 24 + 22 + 22, false],
    ]);
    expect(s.complete).toBe(true);
  });

  it('a snaplen of 0 is taken as the maximum (no over-snaplen warning)', () => {
    const s = readCaptureBuffer(cat(pcapHeader(le, { snaplen: 0 }), pcapRecord(le, 1, 0, 100)), new CollectSink());
    expect(s.issues).toEqual([]);
  });
});

describe('Kuznetzov modified pcap (24-byte record headers)', () => {
  it('reads records', () => {
    const le = true;
    const file = cat(
      pcapHeader(le, { magic: 0xa1b2cd34 }),
      u32(le, 9), u32(le, 1), u32(le, 2), u32(le, 2), // ts_sec, ts_usec, caplen, len
      u32(le, 0), u32(le, 0), // ifindex + protocol, pkt_type + pad
      raw(5, 6), // data
    );
    const sink = new CollectSink();
    expect(readCaptureBuffer(file, sink).complete).toBe(true);
    expect(sink.records[0]).toMatchObject({ tsSeconds: 9, tsNanos: 1000, capturedLength: 2, bytes: [5, 6] });
  });
});

describe('not a capture', () => {
  const cases: Array<[string, Uint8Array, string]> = [
    ['empty', new Uint8Array(0), 'empty file'],
    ['2 bytes', Uint8Array.from(raw(1, 2)), 'only 2 bytes'],
    ['text', new TextEncoder().encode('hello world, this is not a capture\n'), "text (starts 'hello wo…')"],
    ['short text', new TextEncoder().encode('hi there'), "text (starts 'hi there')"],
    ['JSON', new TextEncoder().encode('  {"packets": [1, 2, 3, 4, 5, 6, 7]}'), 'JSON'],
    ['ELF', Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, ...new Array<number>(40).fill(0)]), 'ELF executable'],
    ['gzip', Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, ...new Array<number>(30).fill(0)]), 'gzip data'],
    ['binary', Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24]), 'unrecognised data (first bytes 00 01 02 03 04 05 06 07)'],
  ];
  it.each(cases)('%s', (_n, bytes, what) => {
    for (const chunkSize of [0, 1, 3]) {
      const sink = new CollectSink();
      const s = readCaptureBuffer(bytes, sink, { chunkSize });
      expect(s.issues).toEqual([{ code: 'not_a_capture', offset: 0, message: `not a pcap or pcapng capture: ${what}`, fatal: true }]);
      expect(s).toMatchObject({ format: 'unknown', complete: false, frames: 0 });
    }
  });
});

describe('stream offsets past 4 GiB', () => {
  it('stay exact (plain numbers, no 32-bit wrap)', () => {
    // 1 MiB chunk of 16 records of 65536 bytes each (16 header + 65520 data), pushed 4100 times.
    const rec = Uint8Array.from(pcapRecord(true, 1, 0, 65520, 65520));
    const chunk = new Uint8Array(1 << 20);
    for (let i = 0; i < 16; i++) chunk.set(rec, i * 65536);
    let last = 0;
    let frames = 0;
    const p = new CaptureParser({ onRecord: (r) => { last = r.fileOffset; frames++; }, onIssue: () => {} }, { maxCaptureLength: 65535 });
    p.push(Uint8Array.from(pcapHeader(true, { snaplen: 65535 })));
    for (let i = 0; i < 4100; i++) p.push(chunk);
    const s = p.end();
    expect(frames).toBe(4100 * 16);
    expect(last).toBe(24 + (4100 * 16 - 1) * 65536);
    expect(last).toBeGreaterThan(2 ** 32);
    expect(s).toMatchObject({ complete: true, bytes: 24 + 4100 * (1 << 20) });
  });
});
