// Byte-level builders for tiny test captures. Each helper writes one field in the requested byte
// order, so a capture reads as one commented row per field in the tests.
import { CaptureRecord, type CaptureIssue } from '../../src/capture/record.js';
import type { CaptureSink } from '../../src/capture/context.js';

export type Row = number[];
export const u8 = (v: number): Row => [v & 0xff];
export const u16 = (le: boolean, v: number): Row => (le ? [v & 0xff, (v >>> 8) & 0xff] : [(v >>> 8) & 0xff, v & 0xff]);
export const u32 = (le: boolean, v: number): Row =>
  le ? [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff] : [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
/** 64-bit value given as hi/lo 32-bit halves. */
export const u64 = (le: boolean, hi: number, lo: number): Row => (le ? [...u32(le, lo), ...u32(le, hi)] : [...u32(le, hi), ...u32(le, lo)]);
export const raw = (...bytes: number[]): Row => bytes;
export const fill = (n: number, start = 0): Row => Array.from({ length: n }, (_, i) => (start + i) & 0xff);
export const cat = (...rows: Row[]): Uint8Array => Uint8Array.from(rows.flat());

/** Classic pcap file header. */
export function pcapHeader(le: boolean, o: { magic?: number; major?: number; minor?: number; snaplen?: number; linkType?: number } = {}): Row {
  return [
    ...u32(le, o.magic ?? 0xa1b2c3d4), // magic (written in the file's order)
    ...u16(le, o.major ?? 2), // version major
    ...u16(le, o.minor ?? 4), // version minor
    ...u32(le, 0), // thiszone
    ...u32(le, 0), // sigfigs
    ...u32(le, o.snaplen ?? 65535), // snaplen
    ...u32(le, o.linkType ?? 1), // link type (1 = Ethernet)
  ];
}

/** Classic pcap record: header + `caplen` payload bytes (pattern starting at `seed`). */
export function pcapRecord(le: boolean, sec: number, frac: number, caplen: number, origlen = caplen, seed = 0): Row {
  return [
    ...u32(le, sec), // ts_sec
    ...u32(le, frac), // ts_usec / ts_nsec
    ...u32(le, caplen), // incl_len
    ...u32(le, origlen), // orig_len
    ...fill(caplen, seed), // packet bytes
  ];
}

/** Any pcapng block: type, total length, body padded to 4, trailing length. */
export function block(le: boolean, type: number, body: Row): Row {
  const pad = (4 - (body.length % 4)) % 4;
  const len = 12 + body.length + pad;
  return [...u32(le, type), ...u32(le, len), ...body, ...new Array<number>(pad).fill(0), ...u32(le, len)];
}

export function shb(le: boolean, major = 1): Row {
  return block(le, 0x0a0d0d0a, [
    ...u32(le, 0x1a2b3c4d), // byte-order magic
    ...u16(le, major), // major version
    ...u16(le, 0), // minor version
    ...u64(le, 0xffffffff, 0xffffffff), // section length: unknown
  ]);
}

/** IDB with optional if_tsresol (code 9) and if_tsoffset (code 14). */
export function idb(le: boolean, linkType: number, snaplen: number, o: { tsresol?: number; tsoffset?: [number, number] } = {}): Row {
  const opts: Row = [];
  if (o.tsresol !== undefined) opts.push(...u16(le, 9), ...u16(le, 1), o.tsresol, 0, 0, 0); // if_tsresol, 1 byte + pad
  if (o.tsoffset) opts.push(...u16(le, 14), ...u16(le, 8), ...u64(le, o.tsoffset[0], o.tsoffset[1])); // if_tsoffset
  if (opts.length) opts.push(...u16(le, 0), ...u16(le, 0)); // opt_endofopt
  return block(le, 1, [
    ...u16(le, linkType), // link type
    ...u16(le, 0), // reserved
    ...u32(le, snaplen), // snaplen
    ...opts,
  ]);
}

export function epb(le: boolean, iface: number, hi: number, lo: number, caplen: number, origlen = caplen, seed = 0): Row {
  return block(le, 6, [
    ...u32(le, iface), // interface id
    ...u32(le, hi), // timestamp high
    ...u32(le, lo), // timestamp low
    ...u32(le, caplen), // captured length
    ...u32(le, origlen), // original length
    ...fill(caplen, seed), // packet data (padded by block())
  ]);
}

export function spb(le: boolean, origlen: number, stored: number, seed = 0): Row {
  return block(le, 3, [
    ...u32(le, origlen), // original length
    ...fill(stored, seed), // packet data
  ]);
}

export function opb(le: boolean, iface: number, hi: number, lo: number, caplen: number, seed = 0): Row {
  return block(le, 2, [
    ...u16(le, iface), // interface id
    ...u16(le, 0), // drops count
    ...u32(le, hi), // timestamp high
    ...u32(le, lo), // timestamp low
    ...u32(le, caplen), // captured length
    ...u32(le, caplen), // original length
    ...fill(caplen, seed), // packet data
  ]);
}

export interface Rec {
  frameNumber: number;
  tsSeconds: number;
  tsNanos: number;
  linkType: number;
  interfaceId: number;
  capturedLength: number;
  originalLength: number;
  fileOffset: number;
  bytes: number[];
}

/** Sink that copies every record (the parser reuses the object and its bytes). */
export class CollectSink implements CaptureSink {
  records: Rec[] = [];
  issues: CaptureIssue[] = [];
  onRecord(r: CaptureRecord): void {
    this.records.push({
      frameNumber: r.frameNumber,
      tsSeconds: r.tsSeconds,
      tsNanos: r.tsNanos,
      linkType: r.linkType,
      interfaceId: r.interfaceId,
      capturedLength: r.capturedLength,
      originalLength: r.originalLength,
      fileOffset: r.fileOffset,
      bytes: Array.from(r.data.subarray(r.offset, r.offset + r.capturedLength)),
    });
  }
  onIssue(issue: CaptureIssue): void {
    this.issues.push(issue);
  }
}

export const ORDERS = [
  ['little-endian', true],
  ['big-endian', false],
] as const;
