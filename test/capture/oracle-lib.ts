// Differential check of our classic-pcap reader against pcap-parser 0.2.1 (test oracle only).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { EventEmitter } from 'node:events';
import { readCapture, type ReadResult } from '../../src/capture/read.js';
import type { CaptureRecord } from '../../src/capture/record.js';

const require = createRequire(import.meta.url);
const pcapParser = require('pcap-parser') as { parse(input: string): EventEmitter };

/**
 * Where we deliberately differ from pcap-parser; files hitting these are compared on the part
 * both readers agree to read, or skipped with the reason.
 */
export const DELIBERATE_DIFFERENCES = {
  nanosecond: 'pcap-parser rejects the nanosecond magic (a1b23c4d); we read it (skipped)',
  kuznetzov: 'pcap-parser rejects the Kuznetzov magic (a1b2cd34); we read it like libpcap (skipped)',
  version:
    'pcap-parser only checks "major != 2 && minor != 4" and never swaps lengths; we follow libpcap (2.0-2.4 and 543.0, caplen/len swapped before 2.3): only version 2.4 files are compared',
  fatalPrefix:
    'pcap-parser has no caplen check: on a bogus caplen it buffers to EOF and stops silently; we stop with fatal bad_caplen, so only the records before our fatal issue are compared',
  usecOverflow: 'a fraction >= 1 s is folded into the seconds by us (as tshark does); pcap-parser passes it raw: compared after the same normalisation',
} as const;

export interface OracleRecord {
  sec: number;
  nanos: number;
  caplen: number;
  origlen: number;
  hex: string;
}

export type OracleOutcome =
  | { kind: 'skipped'; reason: keyof typeof DELIBERATE_DIFFERENCES | 'not classic pcap' }
  | { kind: 'compared'; ours: OracleRecord[]; theirs: OracleRecord[]; result: ReadResult; prefixOnly: boolean };

function oracleRecords(path: string): Promise<OracleRecord[]> {
  return new Promise((resolve) => {
    const out: OracleRecord[] = [];
    const p = pcapParser.parse(path);
    p.on('packet', (pkt: { header: { timestampSeconds: number; timestampMicroseconds: number; capturedLength: number; originalLength: number }; data: Buffer }) => {
      const h = pkt.header;
      const frac = h.timestampMicroseconds * 1000;
      const extra = Math.floor(frac / 1e9);
      out.push({ sec: h.timestampSeconds + extra, nanos: frac - extra * 1e9, caplen: h.capturedLength, origlen: h.originalLength, hex: pkt.data.toString('hex') });
    });
    // pcap-parser emits 'end' after an 'error' as well.
    p.on('error', () => {});
    p.on('end', () => resolve(out));
  });
}

export function classicKind(path: string): 'pcap' | 'nanosecond' | 'kuznetzov' | 'version' | 'not classic pcap' {
  const head = readFileSync(path).subarray(0, 24);
  if (head.length < 4) return 'not classic pcap';
  const m = head.readUInt32BE(0);
  if (m === 0xa1b23c4d || m === 0x4d3cb2a1) return 'nanosecond';
  if (m === 0xa1b2cd34 || m === 0x34cdb2a1) return 'kuznetzov';
  if (m !== 0xa1b2c3d4 && m !== 0xd4c3b2a1) return 'not classic pcap';
  if (head.length < 8) return 'pcap';
  const le = m === 0xd4c3b2a1;
  const major = le ? head.readUInt16LE(4) : head.readUInt16BE(4);
  const minor = le ? head.readUInt16LE(6) : head.readUInt16BE(6);
  return major === 2 && minor === 4 ? 'pcap' : 'version';
}

export async function compareWithOracle(path: string): Promise<OracleOutcome> {
  const kind = classicKind(path);
  if (kind !== 'pcap') return { kind: 'skipped', reason: kind };
  const ours: OracleRecord[] = [];
  const sink = {
    onRecord(r: CaptureRecord): void {
      ours.push({ sec: r.tsSeconds, nanos: r.tsNanos, caplen: r.capturedLength, origlen: r.originalLength, hex: Buffer.from(r.data.buffer, r.data.byteOffset + r.offset, r.capturedLength).toString('hex') });
    },
    onIssue(): void {},
  };
  const result = await readCapture(path, sink);
  let theirs = await oracleRecords(path);
  const prefixOnly = result.issues.some((i) => i.fatal);
  if (prefixOnly) theirs = theirs.slice(0, ours.length);
  return { kind: 'compared', ours, theirs, result, prefixOnly };
}

/** Files under `root` (recursively) whose name passes `keep`, sorted. */
export function listFiles(root: string, keep: (name: string) => boolean): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (keep(name)) out.push(p);
    }
  };
  try {
    walk(root);
  } catch {
    return [];
  }
  return out.sort();
}
