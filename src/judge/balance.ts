/**
 * Collects, per virtual service, the new connections the director scheduled — a forwarded SYN
 * (UDP: the first datagram of a client ip:port) and the RS it went to — as flows are judged.
 * At the end it pairs them with the configured scheduler and weights for the scheduling rules
 * (rs-share, persistence, quiesced-rs) and the balance section of the report.
 */
import type { AddressBook } from '../track/addresses.js';
import type { Flow } from '../track/flow-state.js';
import type { Resolution } from '../infer/resolve.js';
import type { ServiceBalance } from '../result/result.js';
import type { GivenTopology, VirtualService } from '../topology/topology.js';
import type { FlowView, NewConnection, ServiceBalanceView } from '../result/views.js';
import { expectedShares } from '../rules/scheduling.js';

/** New connections kept per service in order (the counts stay exact beyond). */
export const MAX_CONNECTIONS_KEPT = 200_000;

interface Bucket {
  key: string;
  vip: string;
  port: number;
  proto: 'tcp' | 'udp';
  configured: VirtualService | undefined;
  connections: NewConnection[];
  counts: Map<string, number>;
  total: number;
}

export class BalanceTracker {
  private readonly buckets = new Map<string, Bucket>();
  /**
   * The bucket of the flow added last, with the VIP text, port and protocol it was found for:
   * a capture's flows mostly go to one service, so the key and the configured service are
   * rarely worked out again.
   */
  private last: { vip: string; port: number; proto: string; bucket: Bucket } | null = null;

  /**
   * @param keep new connections kept per service, in order, for the scheduling rules.
   * @param recent keep the latest rather than the first (a live director, for days:
   *   quiesced-rs reads the end of the sequence, persistence the clients of late).
   */
  constructor(
    private readonly given: GivenTopology,
    private readonly keep = MAX_CONNECTIONS_KEPT,
    private readonly recent = false,
  ) {}

  /** Records the flow's new connection, if the flow started inside the capture and its RS is known. */
  add(view: FlowView, flow: Flow, rsMac: string | undefined): void {
    if (rsMac === undefined) return;
    if (view.proto === 'tcp' && !flow.sawSyn) return;
    const last = this.last;
    const b = last !== null && last.vip === view.vip.ip && last.port === view.vip.port && last.proto === view.proto ? last.bucket : this.bucketFor(view);
    const configured = b.configured;
    b.total++;
    b.counts.set(rsMac, (b.counts.get(rsMac) ?? 0) + 1);
    // The order of new connections matters only to the scheduling rules, which need a
    // configured scheduler; otherwise the counts are the whole story (and memory stays flat).
    if (configured?.scheduler === undefined) return;
    const frame = view.forwarded[0]?.first ?? view.firstFrame;
    if (b.connections.length >= this.keep && this.recent) b.connections.splice(0, Math.ceil(this.keep / 2));
    if (b.connections.length < this.keep) b.connections.push({ time: flow.firstTime, client: view.client.ip, rsMac, frame });
  }

  private bucketFor(view: FlowView): Bucket {
    const configured = this.configuredFor(view);
    const port = configured?.port ?? (configured?.fwmark !== undefined ? -1 : view.vip.port);
    const vip = configured?.fwmark !== undefined ? `fwmark ${configured.fwmark}` : view.vip.ip;
    const key = `${vip}|${port}|${view.proto}`;
    let b = this.buckets.get(key);
    if (b === undefined) {
      b = { key, vip, port, proto: view.proto, configured, connections: [], counts: new Map(), total: 0 };
      this.buckets.set(key, b);
    }
    this.last = { vip: view.vip.ip, port: view.vip.port, proto: view.proto, bucket: b };
    return b;
  }

  /** The configured service a flow belongs to: its VIP:port service, else a lone fwmark service. */
  private configuredFor(view: FlowView): VirtualService | undefined {
    const services = this.given.services;
    const exact = services.find(
      (s) => s.fwmark === undefined && s.vip === view.vip.ip && s.proto === view.proto && (s.port === undefined || s.port === view.vip.port),
    );
    if (exact) return exact;
    const marks = services.filter((s) => s.fwmark !== undefined);
    return marks.length === 1 ? marks[0] : undefined;
  }

  views(resolution: Resolution, book: AddressBook): ServiceBalanceView[] {
    // A configured service the director scheduled nothing for (every client bypassed it) is
    // still in the table, with no new connection on any real server.
    for (const c of this.given.services) {
      if (c.scheduler === undefined || (c.realServers?.length ?? 0) === 0 || c.fwmark !== undefined || c.port === undefined) continue;
      const key = `${c.vip}|${c.port ?? -1}|${c.proto}`;
      if (!this.buckets.has(key)) this.buckets.set(key, { key, vip: c.vip, port: c.port ?? -1, proto: c.proto, configured: c, connections: [], counts: new Map(), total: 0 });
    }
    const sees = resolution.vantagePoints.length === 1 && resolution.vantagePoints.some((v) => v.kind === 'mirror' || v.hostRole === 'director');
    const ipOfMac = new Map<string, string>();
    const macOfIp = new Map<string, string>();
    for (const [mac, rs] of resolution.realServers) {
      if (rs.ip === undefined) continue;
      const macText = formatMacNumber(mac);
      ipOfMac.set(macText, book.format(rs.ip));
      macOfIp.set(book.format(rs.ip), macText);
    }
    const out: ServiceBalanceView[] = [];
    // Code-unit order, not localeCompare: the first localeCompare of a process loads ICU's
    // collator, 7 ms, as long as the whole analysis of a small capture (commit 850a88e,
    // 2026-11-26).
    for (const b of [...this.buckets.values()].sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0))) {
      const c = b.configured;
      const hasScheduling = c !== undefined && c.scheduler !== undefined && (c.realServers?.length ?? 0) > 0;
      const realServers: ServiceBalanceView['realServers'] = [];
      for (const r of c?.realServers ?? []) {
        const mac = macOfIp.get(r.ip);
        realServers.push({ ip: r.ip, ...(mac ? { mac } : {}), ...(r.weight !== undefined ? { weight: r.weight } : {}), newConnections: mac ? (b.counts.get(mac) ?? 0) : 0 });
      }
      for (const [mac, n] of b.counts) {
        if (realServers.some((r) => r.mac === mac)) continue;
        const ip = ipOfMac.get(mac);
        realServers.push({ mac, ...(ip ? { ip } : {}), newConnections: n });
      }
      out.push({
        vip: b.vip,
        ...(b.port >= 0 ? { port: b.port } : {}),
        proto: b.proto,
        ...(c?.fwmark !== undefined ? { fwmark: c.fwmark } : {}),
        ...(c?.scheduler !== undefined ? { scheduler: c.scheduler } : {}),
        ...(c?.persistence !== undefined ? { persistence: c.persistence } : {}),
        ...(c?.persistenceMask !== undefined ? { persistenceMask: c.persistenceMask } : {}),
        configured: hasScheduling,
        realServers,
        connections: b.connections.sort((x, y) => x.time - y.time),
        total: b.total,
        seesEveryNewConnection: sees,
      });
    }
    return out;
  }
}

export function balanceReport(view: ServiceBalanceView, verdict: ServiceBalance['verdict']): ServiceBalance {
  const shares = expectedShares(view);
  return {
    vip: view.vip,
    ...(view.port !== undefined ? { port: view.port } : {}),
    proto: view.proto,
    ...(view.fwmark !== undefined ? { fwmark: view.fwmark } : {}),
    ...(view.scheduler !== undefined ? { scheduler: view.scheduler } : {}),
    ...(view.persistence !== undefined ? { persistence: view.persistence } : {}),
    newConnections: view.total,
    seesEveryNewConnection: view.seesEveryNewConnection,
    verdict,
    realServers: view.realServers.map((r) => {
      const expected = shares?.get(r.mac ?? r.ip ?? '');
      return {
        ...(r.ip !== undefined ? { ip: r.ip } : {}),
        ...(r.mac !== undefined ? { mac: r.mac } : {}),
        ...(r.weight !== undefined ? { weight: r.weight } : {}),
        ...(expected !== undefined ? { expectedShare: round(expected) } : {}),
        newConnections: r.newConnections,
        share: view.total > 0 ? round(r.newConnections / view.total) : 0,
      };
    }),
  };
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}

function formatMacNumber(n: number): string {
  const hex = n.toString(16).padStart(12, '0');
  return hex.match(/../g)!.join(':');
}
