/** The decoders behind the real reader: a pcap built in memory, read with readCaptureBuffer. */
import { describe, expect, it } from 'vitest';
import { readCaptureBuffer } from '../../src/capture/read.js';
import type { CaptureRecord } from '../../src/capture/record.js';
import { encodePcap } from '../../src/capture/pcap-writer.js';
import { decodeFrame } from '../../src/decode/decoder.js';
import { DecodedFrame } from '../../src/decode/frame.js';
import { frameToDumpRecord, type DumpRecord } from '../../src/report/dump.js';
import { MAC_A, MAC_B, arp, eth, ipv4, tcp } from './build.js';

describe('readCaptureBuffer + decodeFrame', () => {
  it('decodes each record of a DR exchange, one reused frame', () => {
    const frames = [
      [...eth('ff:ff:ff:ff:ff:ff', MAC_A, 0x0806), ...arp(1, MAC_A, '10.0.0.1', '00:00:00:00:00:00', '10.0.0.100')],
      [...eth(MAC_B, MAC_A, 0x0800), ...ipv4({ src: '192.0.2.1', dst: '10.0.0.100', proto: 6 }, tcp(40000, 80, 0x02))],
      [...eth(MAC_A, MAC_B, 0x0800), ...ipv4({ src: '10.0.0.100', dst: '192.0.2.1', proto: 6 }, tcp(80, 40000, 0x12))],
    ];
    const bytes = encodePcap(frames.map((f, i) => ({ tsSeconds: 1700000000 + i, tsNanos: 1000, data: Uint8Array.from(f) })));
    const frame = new DecodedFrame();
    const out: DumpRecord[] = [];
    readCaptureBuffer(bytes, {
      onRecord(rec: CaptureRecord) {
        decodeFrame(rec, frame);
        out.push(frameToDumpRecord(frame));
      },
      onIssue() {},
    });
    expect(out.map((r) => [r.frame, r.time, r.arp?.op, r.ip?.src, r.tcp?.flags])).toEqual([
      [1, '1700000000.000001000', 1, undefined, undefined],
      [2, '1700000001.000001000', undefined, '192.0.2.1', 'SYN'],
      [3, '1700000002.000001000', undefined, '10.0.0.100', 'SYN,ACK'],
    ]);
  });
});
