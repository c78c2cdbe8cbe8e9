/** Small text helpers shared by the reporters. */
import type { CheckResult, Endpoint, FrameRef, RealServerHealth } from '../result/result.js';

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

/**
 * The verdict's counts in one line, as the table's last line and the CLI's stderr line say it:
 * "9 flows (0 pass, 9 fail, 0 incomplete), 1 cause: 27 errors, 0 warnings, 0 info; 184 frames".
 */
export function summaryCounts(result: CheckResult): string {
  const v = result.summary.flowsByVerdict;
  const sev = result.summary.findingsBySeverity;
  const weirds = Object.values(result.summary.weirds).reduce((n, x) => n + x, 0);
  return (
    `${plural(result.summary.flows, 'flow')} (${v.pass} pass, ${v.fail} fail, ${v.incomplete} incomplete), ` +
    `${result.causes.length > 0 ? `${plural(result.causes.length, 'cause')}: ` : ''}${plural(sev.error, 'error')}, ${plural(sev.warning, 'warning')}, ${sev.info} info; ` +
    `${plural(result.summary.frames, 'frame')}${weirds > 0 ? `, ${weirds} malformed or truncated` : ''}`
  );
}

/** The verdict as one word: PASS, FAIL, NO TRAFFIC. */
export function verdictWord(result: CheckResult): string {
  return result.verdict === 'fail' ? 'FAIL' : result.verdict === 'pass' ? 'PASS' : 'NO TRAFFIC';
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** A duration in milliseconds as people read it: "0.02 ms", "4.1 ms", "101 ms", "1.02 s". */
export function millisText(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${ms.toFixed(0)} ms`;
  return `${ms.toFixed(ms >= 1 ? 1 : 2)} ms`;
}

export function percentText(x: number): string {
  return `${(x * 100).toFixed(x < 0.1 ? 2 : 1)}%`;
}

/** The cells every reporter shows for a real server's health, in this order (HEALTH_HEAD). */
export const HEALTH_HEAD = ['Conns', 'Handshake median/p90/max', 'Segments sent again', 'RSTs', 'Zero win', 'Unanswered'];

export function healthCells(h: RealServerHealth): string[] {
  const hs = h.handshakeMs;
  return [
    String(h.connections),
    hs ? `${millisText(hs.median)}/${millisText(hs.p90)}/${millisText(hs.max)} (${h.handshakes})` : '-',
    `${percentText(h.retransmissionRate)}: to ${h.retransmittedToServer}/${h.segmentsToServer}, from ${h.retransmittedFromServer}/${h.segmentsFromServer}`,
    String(h.resets),
    String(h.zeroWindows),
    String(h.unanswered),
  ];
}
