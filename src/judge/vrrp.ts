/**
 * VRRP for the rules and the timeline: the tracked runs and overlaps as views (addresses as
 * text, frames as references), and the events an SRE reads a failover from: who advertised as
 * MASTER when, priority changes, resignations, a MASTER falling silent, and the gratuitous
 * ARPs each takeover sent.
 */
import { formatMac } from '../decode/format.js';
import type { FrameRef, TimelineEvent, TopologyReport } from '../result/result.js';
import { masterDownSeconds, type AddressView, type VrrpRunView, type VrrpView } from '../result/views.js';
import type { VrrpInstance } from '../topology/topology.js';
import type { AddressBook } from '../track/addresses.js';
import type { VrrpLog } from '../track/vrrp.js';

const ref = (capture: number, frame: number): FrameRef => ({ capture, frame });

/**
 * Announcements further apart than this are separate bursts: `arping -U -c 2` sends its two
 * 1 s apart, keepalived its five within milliseconds and five more 5 s later.
 */
const GARP_BURST_GAP = 2;

export function buildVrrpView(log: VrrpLog, book: AddressBook, instances: readonly VrrpInstance[], captureEnd: number): VrrpView {
  const runs: VrrpRunView[] = log.runs.map((r) => {
    const destination = book.format(r.dstIp);
    return {
      senderMac: r.senderMac >= 0 ? formatMac(r.senderMac) : undefined,
      senderIp: book.format(r.senderIp),
      destination,
      multicast: book.isGroupOrUnspecified(r.dstIp),
      vrid: r.vrid,
      version: r.version,
      priority: r.priority,
      intervalCentis: r.intervalCentis,
      authType: r.authType,
      ttl: r.ttl,
      addresses: r.addresses.map((a) => book.format(a)),
      count: r.count,
      badChecksums: r.badChecksums,
      first: ref(r.firstCapture, r.firstFrame),
      firstTime: r.firstTime,
      last: ref(r.lastCapture, r.lastFrame),
      lastTime: r.lastTime,
      previous: r.previous,
      afterSilence: r.afterSilence,
    };
  });
  const overlaps = log.overlaps.map((o) => ({
    a: o.runA,
    b: o.runB,
    countA: o.countA,
    countB: o.countB,
    firstA: o.firstFrameA >= 0 ? ref(o.firstCaptureA, o.firstFrameA) : null,
    firstB: o.firstFrameB >= 0 ? ref(o.firstCaptureB, o.firstFrameB) : null,
    start: o.start,
    end: o.end,
  }));
  return { runs, overlaps, instances, captureEnd };
}

/** The virtual routers of the topology report: per VRID (and family), its addresses and senders. */
export function vrrpRouters(view: VrrpView): TopologyReport['vrrp'] {
  const out: (TopologyReport['vrrp'][number] & { family: string })[] = [];
  for (const r of view.runs) {
    const family = r.senderIp.includes(':') ? 'ipv6' : 'ipv4';
    let router = out.find((x) => x.vrid === r.vrid && x.family === family);
    if (router === undefined) out.push((router = { vrid: r.vrid, family, addresses: [], senders: [] }));
    for (const a of r.addresses) if (!router.addresses.includes(a)) router.addresses.push(a);
    let s = router.senders.find((x) => (r.senderMac !== undefined ? x.mac === r.senderMac : x.ip === r.senderIp));
    if (s === undefined) router.senders.push((s = { ...(r.senderMac !== undefined ? { mac: r.senderMac } : {}), ip: r.senderIp, priorities: [], adverts: 0 }));
    if (!s.priorities.includes(r.priority)) s.priorities.push(r.priority);
    s.adverts += r.count;
  }
  return out.map(({ family: _family, ...rest }) => rest);
}

/** "00:0c:29:50:d5:63 (192.168.188.108)", or the address alone on a capture without MACs. */
export function senderName(r: VrrpRunView): string {
  return r.senderMac !== undefined ? `${r.senderMac} (${r.senderIp})` : r.senderIp;
}

function sameSender(a: VrrpRunView, b: VrrpRunView): boolean {
  return a.senderMac !== undefined && b.senderMac !== undefined ? a.senderMac === b.senderMac : a.senderIp === b.senderIp;
}

/** Two runs are about one virtual router: the same VRID, or an address in common. */
export function sameRouter(a: VrrpRunView, b: VrrpRunView): boolean {
  return a.vrid === b.vrid || a.addresses.some((x) => b.addresses.includes(x));
}

function seconds(centis: number): string {
  return `${centis / 100} s`;
}

function epoch(t: number): string {
  return t.toFixed(6);
}

/** The VRRP events of the timeline, and the gratuitous ARP bursts for the addresses the adverts carry. */
export function vrrpTimeline(view: VrrpView, addresses: readonly AddressView[]): TimelineEvent[] {
  const out: TimelineEvent[] = [];
  const runs = view.runs;
  const ip = (r: VrrpRunView): string => r.addresses[0] ?? r.senderIp;
  const mac = (r: VrrpRunView): string => r.senderMac ?? '?';
  const push = (r: VrrpRunView, time: number, frame: FrameRef, kind: TimelineEvent['kind'], note: string): void => {
    out.push({ time: epoch(time), frame, kind, ip: ip(r), mac: mac(r), note, vrid: r.vrid });
  };
  const successor = new Set<number>();
  for (const r of runs) if (r.previous >= 0 && !r.afterSilence) successor.add(r.previous);
  runs.forEach((r, i) => {
    const who = senderName(r);
    const what = `VRID ${r.vrid} (priority ${r.priority}, every ${seconds(r.intervalCentis)}, ${r.addresses.join(', ') || 'no address'})`;
    if (r.priority === 0) {
      push(r, r.firstTime, r.first, 'vrrp-resign', `${who} resigns as MASTER of VRID ${r.vrid} (priority 0: keepalived stopping)`);
    } else if (r.afterSilence) {
      // The MASTER before this one: the latest other sender for the same virtual router.
      let before: VrrpRunView | undefined;
      for (let j = 0; j < i; j++) {
        const o = runs[j]!;
        if (o.priority > 0 && !sameSender(o, r) && sameRouter(o, r) && o.firstTime <= r.firstTime) before = o;
      }
      if (before === undefined) {
        push(r, r.firstTime, r.first, 'vrrp-adverts', `${who} advertises as MASTER of ${what}`);
      } else {
        const gap = r.firstTime - before.lastTime;
        const since =
          gap < 0
            ? `while ${senderName(before)} still advertises`
            : `${gap.toFixed(1)} s after the last advert of ${senderName(before)}${before.priority > r.priority ? ` (priority ${before.priority})` : ''}`;
        push(r, r.firstTime, r.first, 'vrrp-master', `${who} becomes MASTER of ${what}, ${since}`);
      }
    } else {
      const p = runs[r.previous]!;
      if (p.priority !== r.priority) {
        push(r, r.firstTime, r.first, 'vrrp-prio', `${who}: priority for VRID ${r.vrid} ${p.priority} → ${r.priority}`);
      } else {
        const changes: string[] = [];
        if (p.intervalCentis !== r.intervalCentis) changes.push(`interval ${seconds(p.intervalCentis)} → ${seconds(r.intervalCentis)}`);
        if (p.addresses.join(',') !== r.addresses.join(',')) changes.push(`addresses ${p.addresses.join(', ')} → ${r.addresses.join(', ')}`);
        if (p.version !== r.version) changes.push(`version ${p.version} → ${r.version}`);
        if (p.destination !== r.destination) changes.push(`destination ${p.destination} → ${r.destination}`);
        if (p.authType !== r.authType) changes.push(`auth type ${p.authType} → ${r.authType}`);
        if (p.ttl !== r.ttl) changes.push(`TTL ${p.ttl} → ${r.ttl}`);
        push(r, r.firstTime, r.first, 'vrrp-change', `${who}: adverts for VRID ${r.vrid} change: ${changes.join(', ') || 'content'}`);
      }
    }
    // The end of an advertising period, unless the capture ends first or the sender resigned.
    if (r.priority > 0 && !successor.has(i) && view.captureEnd - r.lastTime > masterDownSeconds(r.intervalCentis)) {
      push(r, r.lastTime, r.last, 'vrrp-silent', `${who} stops advertising VRID ${r.vrid} (its last advert; ${r.count} in this run)`);
    }
  });
  // Gratuitous ARP (unsolicited NA) bursts for the addresses VRRP carries.
  const carried = new Set(runs.flatMap((r) => r.addresses));
  for (const a of addresses) {
    if (!carried.has(a.ip) && !a.isVip) continue;
    let burst: { mac: string; first: FrameRef; last: FrameRef; time: number; lastTime: number; count: number } | undefined;
    const flush = (): void => {
      if (burst === undefined) return;
      const taking = runs.find((r) => r.senderMac === burst!.mac && r.afterSilence && r.priority > 0 && r.addresses.includes(a.ip) && Math.abs(burst!.time - r.firstTime) <= 10);
      const frames = burst.count > 1 ? `frames ${burst.first.frame}–${burst.last.frame}` : `frame ${burst.first.frame}`;
      out.push({
        time: epoch(burst.time),
        frame: burst.first,
        kind: 'garp',
        ip: a.ip,
        mac: burst.mac,
        note: `${burst.mac} announces ${a.ip}: ${burst.count} gratuitous ${a.family === 6 ? 'neighbor advertisement' : 'ARP'}${burst.count === 1 ? '' : 's'} (${frames})${taking ? `, ${(burst.time - taking.firstTime).toFixed(1)} s after its first advert as MASTER of VRID ${taking.vrid}` : ''}`,
        ...(taking ? { vrid: taking.vrid } : {}),
      });
      burst = undefined;
    };
    for (const e of a.sequence) {
      const announcement = e.kind === 'arp-gratuitous' || (e.kind === 'na' && e.to === undefined);
      if (!announcement) continue;
      if (burst !== undefined && (burst.mac !== e.mac || e.time - burst.lastTime > GARP_BURST_GAP)) flush();
      if (burst === undefined) burst = { mac: e.mac, first: e.frame, last: e.frame, time: e.time, lastTime: e.time, count: 0 };
      burst.count++;
      burst.last = e.frame;
      burst.lastTime = e.time;
    }
    flush();
  }
  return out;
}
