/**
 * `--write-evidence FILE.pcap`: every frame a finding cites (and, with `flows`, every frame of
 * the flows concerned) copied into a new capture in original order, so Wireshark opens exactly
 * the proof. The frames are found by a second pass over the capture files: the first pass kept
 * frame numbers, not bytes. With several captures the frames are merged by time; a classic pcap
 * holds one link type, so frames of another link type are left out and counted.
 */
import { PcapWriter } from '../capture/pcap-writer.js';
import { readCapture } from '../capture/read.js';
import type { CaptureRecord } from '../capture/record.js';
import { decodeFrame } from '../decode/decoder.js';
import { DecodedFrame } from '../decode/frame.js';
import { formatIpv4, formatIpv6 } from '../decode/format.js';
import type { CheckResult } from '../result/result.js';

export interface EvidenceOptions {
  /** Also every frame of the flows that have findings. */
  flows: boolean;
}

export interface EvidenceSummary {
  frames: number;
  /** Cited frames of a link type other than the file's (left out). */
  skipped: number;
  linkType: number;
}

interface Kept {
  time: number;
  capture: number;
  frame: number;
  linkType: number;
  tsSeconds: number;
  tsNanos: number;
  bytes: Uint8Array;
  originalLength: number;
}

/** Client endpoints ("proto ip port") of the flows whose frames are wanted. */
function flowKeys(result: CheckResult): Set<string> {
  const keys = new Set<string>();
  for (const f of result.findings) {
    if (f.flow) keys.add(`${f.flow.proto} ${f.flow.client.ip} ${f.flow.client.port}`);
  }
  return keys;
}

export async function writeEvidence(result: CheckResult, out: string, options: EvidenceOptions): Promise<EvidenceSummary> {
  const cited = result.captures.map(() => new Set<number>());
  for (const f of result.findings) for (const r of f.frames) cited[r.capture]?.add(r.frame);
  const wanted = options.flows ? flowKeys(result) : new Set<string>();
  const kept: Kept[] = [];
  const frame = new DecodedFrame();

  for (let capture = 0; capture < result.captures.length; capture++) {
    const path = result.captures[capture]!.path;
    const frames = cited[capture]!;
    if (path === '-' || (frames.size === 0 && wanted.size === 0)) continue;
    await readCapture(path, {
      onRecord(rec: CaptureRecord): void {
        let keep = frames.has(rec.frameNumber);
        if (!keep && wanted.size > 0) {
          decodeFrame(rec, frame);
          keep = belongsToFlow(frame, wanted);
        }
        if (!keep) return;
        kept.push({
          time: rec.tsSeconds + rec.tsNanos / 1e9,
          capture,
          frame: rec.frameNumber,
          linkType: rec.linkType,
          tsSeconds: rec.tsSeconds,
          tsNanos: rec.tsNanos,
          bytes: rec.data.slice(rec.offset, rec.offset + rec.capturedLength),
          originalLength: rec.originalLength,
        });
      },
      onIssue(): void {},
    });
  }
  kept.sort((a, b) => (result.captures.length > 1 ? a.time - b.time : 0) || a.capture - b.capture || a.frame - b.frame);
  const linkType = kept[0]?.linkType ?? 1;
  const writer = PcapWriter.toFile(out, { linkType, resolution: 'nano' });
  let skipped = 0;
  for (const k of kept) {
    if (k.linkType !== linkType) {
      skipped++;
      continue;
    }
    writer.writeFrame(k.tsSeconds, k.tsNanos, k.bytes, 0, k.bytes.length, k.originalLength);
  }
  await writer.close();
  return { frames: writer.framesWritten, skipped, linkType };
}

/** True when the frame is a TCP/UDP frame of one of the flows (either direction, any copy). */
function belongsToFlow(f: DecodedFrame, wanted: Set<string>): boolean {
  if (f.srcPort < 0 || f.ipVersion === 0) return false;
  const proto = f.ipProto === 17 ? 'udp' : f.ipProto === 6 ? 'tcp' : '';
  if (proto === '') return false;
  const src = f.ipVersion === 4 ? formatIpv4(f.ipSrc) : formatIpv6(f.ip6Src);
  const dst = f.ipVersion === 4 ? formatIpv4(f.ipDst) : formatIpv6(f.ip6Dst);
  return wanted.has(`${proto} ${src} ${f.srcPort}`) || wanted.has(`${proto} ${dst} ${f.dstPort}`);
}
