/** Small text helpers shared by the reporters. */
import type { CheckResult, Endpoint, FrameRef } from '../result/result.js';

export function endpoint(e: Endpoint): string {
  return e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
}

/** "frame 12", or "rs1.pcap#12" when several captures were checked. */
export function frameText(result: CheckResult, ref: FrameRef): string {
  if (result.captures.length <= 1) return String(ref.frame);
  const path = result.captures[ref.capture]?.path ?? '?';
  return `${path.split('/').pop() ?? path}#${ref.frame}`;
}

export function framesText(result: CheckResult, refs: readonly FrameRef[], max = 8): string {
  const shown = refs.slice(0, max).map((r) => frameText(result, r));
  const more = refs.length > max ? ` (+${refs.length - max} more)` : '';
  return shown.join(', ') + more;
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}
