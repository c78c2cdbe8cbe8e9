/**
 * `--write-evidence FILE.pcap`: every frame a finding cites (and, with `flows`, every frame of
 * the flows concerned) copied into a new capture in original order, so Wireshark opens exactly
 * the proof. The frames are found by a second pass over the capture files: the first pass kept
 * frame numbers, not bytes. With several captures the frames are merged by time; a classic pcap
 * holds one link type, so frames of another link type are left out and counted.
 *
 * Frames stream from the readers to the file: memory does not grow with the evidence (gathered
 * first, a failing flow of 4,000 frames of 256 KiB would take gigabytes).
 */
import { closeSync, openSync } from 'node:fs';
import { PcapWriter } from '../capture/pcap-writer.js';
import { readCapture } from '../capture/read.js';
import type { CaptureRecord } from '../capture/record.js';
import { decodeFrame } from '../decode/decoder.js';
import { DecodedFrame } from '../decode/frame.js';
import { formatIpv4, formatIpv6 } from '../decode/format.js';
import { CaptureMerger } from '../check/merge.js';
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

/** Client endpoints ("proto ip port") of the flows whose frames are wanted. */
function flowKeys(result: CheckResult): Set<string> {
  const keys = new Set<string>();
  for (const f of result.findings) {
    if (f.flow) keys.add(`${f.flow.proto} ${f.flow.client.ip} ${f.flow.client.port}`);
  }
  return keys;
}

/**
 * Writes the evidence to `out`: a path (created or truncated) or an open file descriptor
 * (written, not closed). A write error (ENOSPC...) rejects.
 */
export async function writeEvidence(result: CheckResult, out: string | number, options: EvidenceOptions): Promise<EvidenceSummary> {
  const cited = result.captures.map(() => new Set<number>());
  for (const f of result.findings) for (const r of f.frames) cited[r.capture]?.add(r.frame);
  const wanted = options.flows ? flowKeys(result) : new Set<string>();
  const frame = new DecodedFrame();
  const fd = typeof out === 'number' ? out : openSync(out, 'w');
  let writer: PcapWriter | null = null;
  let skipped = 0;
  // The file's link type is the first written frame's, so the writer starts with that frame.
  const merger = new CaptureMerger(result.captures.length, (rec) => {
    writer ??= new PcapWriter(fd, { linkType: rec.linkType, resolution: 'nano' });
    if (!writer.write(rec)) skipped++;
  });
  try {
    const reads = result.captures.map(async (c, capture) => {
      try {
        const frames = cited[capture]!;
        if (c.path === '-' || (frames.size === 0 && wanted.size === 0)) return;
        await readCapture(
          c.path,
          {
            onRecord(rec: CaptureRecord): void {
              let keep = frames.has(rec.frameNumber);
              if (!keep && wanted.size > 0) {
                decodeFrame(rec, frame);
                keep = belongsToFlow(frame, wanted);
              }
              if (keep) merger.add(capture, rec);
            },
            onIssue(): void {},
          },
          { beforePush: () => merger.beforePush(capture) },
        );
      } finally {
        merger.finish(capture);
      }
    });
    await Promise.all(reads);
    writer ??= new PcapWriter(fd, { linkType: 1, resolution: 'nano' });
    await writer.close();
  } finally {
    if (typeof out !== 'number') closeSync(fd);
  }
  return { frames: writer.framesWritten, skipped, linkType: writer.linkType };
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
