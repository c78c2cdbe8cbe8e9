/** `lvs-pcap dump`: one JSON object per frame (JSON Lines), the decoders' window for users. */
import { readCapture } from '../capture/read.js';
import type { CaptureIssue, CaptureRecord } from '../capture/record.js';
import { decodeFrame } from '../decode/decoder.js';
import { DecodedFrame } from '../decode/frame.js';
import { frameToDumpRecord } from '../report/dump.js';
import { OutputBuffer } from './output.js';
import { issueLine } from './messages.js';

/** Returns the exit status: 0, or 2 when a capture could not be read at all. */
export async function runDump(paths: readonly string[], warn: (line: string) => void): Promise<number> {
  const out = new OutputBuffer();
  const frame = new DecodedFrame();
  let status = 0;
  for (const path of paths) {
    const unsupported = new Set<number>();
    const sink = {
      onRecord(rec: CaptureRecord): void {
        if (out.closed) return;
        decodeFrame(rec, frame);
        if (frame.unsupportedLink && !unsupported.has(frame.linkType)) {
          unsupported.add(frame.linkType);
          warn(`${path}: warning: link type ${frame.linkType} is not decoded; its frames are listed without headers`);
        }
        out.write(`${JSON.stringify(frameToDumpRecord(frame))}\n`);
      },
      onIssue(issue: CaptureIssue): void {
        warn(issueLine(path, issue));
      },
    };
    const result = await readCapture(path, sink);
    if (result.frames === 0 && result.issues.some((i) => i.fatal)) status = 2;
    out.flush();
    if (out.closed) break;
  }
  out.flush();
  return status;
}
