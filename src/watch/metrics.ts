/**
 * What `lvs-pcap watch --metrics` exposes to Prometheus, with prom-client (the exposition
 * format is its business). Counters that mirror the pass's own counts (frames, bytes, flows
 * open, evicted) and gauges of the moment (VIP owners, read lag) are read when scraped; the
 * rest are counted as the check tells: findings, judged flows, new connections, each real
 * server's health. Series a rule or a configured real server may need are created at zero, so
 * that increase() sees the first event.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { LiveState } from '../check/check.js';
import type { JudgedFlow } from '../judge/judge.js';
import type { Finding, Severity } from '../result/result.js';
import type { Rule } from '../rules/define.js';
import type { GivenTopology } from '../topology/topology.js';

/** Handshake time buckets (seconds): a LAN's tenths of a millisecond up to SYN retransmissions. */
const HANDSHAKE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

interface ConnectionCount {
  vip: string;
  port: string;
  proto: string;
  mac: string;
  count: number;
}

export class WatchMetrics {
  readonly registry = new Registry();
  private state: LiveState | null = null;
  /** New connections per service and real server MAC; named by IP when scraped (see collect). */
  private readonly connections = new Map<string, ConnectionCount>();
  private readonly findings: Counter<'rule' | 'severity'>;
  private readonly flows: Counter<'verdict'>;
  private readonly lastFinding: Gauge<'severity'>;
  private readonly ownerChanges: Counter<'vip'>;
  private readonly handshake: Histogram<'real_server'>;
  private readonly rsConnections: Counter<'real_server'>;
  private readonly rsUnanswered: Counter<'real_server'>;
  private readonly rsSegments: Counter<'real_server' | 'direction'>;
  private readonly rsRetransmitted: Counter<'real_server' | 'direction'>;
  private readonly rsResets: Counter<'real_server'>;
  private readonly rsZeroWindows: Counter<'real_server'>;
  private readonly rsHealthFindings: Counter<'real_server' | 'problem'>;

  constructor(version: string, given: GivenTopology, rules: readonly Rule[]) {
    const registers = [this.registry];
    const self = this;
    collectDefaultMetrics({ register: this.registry });
    new Gauge({ name: 'lvs_pcap_info', help: 'lvs-pcap watch is running; its version', labelNames: ['version'], registers }).set({ version }, 1);

    new Counter({
      name: 'lvs_pcap_frames_total',
      help: 'Frames read from the input',
      registers,
      collect() {
        this.reset();
        this.inc(self.state?.frames ?? 0);
      },
    });
    new Counter({
      name: 'lvs_pcap_input_bytes_total',
      help: 'Bytes read from the input (compressed bytes when it is gzip)',
      registers,
      collect() {
        this.reset();
        this.inc(self.state?.bytesRead ?? 0);
      },
    });
    new Gauge({
      name: 'lvs_pcap_flows_open',
      help: 'Flows (TCP connections, UDP client ip:port) being followed now',
      registers,
      collect() {
        this.set(self.state?.openFlows ?? 0);
      },
    });
    new Counter({
      name: 'lvs_pcap_flows_evicted_total',
      help: 'Flows judged before their end because the flow table was full (--max-flows)',
      registers,
      collect() {
        this.reset();
        this.inc(self.state?.evictedFlows ?? 0);
      },
    });
    new Gauge({
      name: 'lvs_pcap_last_frame_timestamp_seconds',
      help: 'Capture time of the newest frame read (epoch seconds)',
      registers,
      collect() {
        this.set(self.state?.newestFrameTime ?? 0);
      },
    });
    new Gauge({
      name: 'lvs_pcap_read_lag_seconds',
      help: 'Wall clock minus the capture time of the newest frame read: how far behind the wire the analysis is',
      registers,
      collect() {
        const t = self.state?.newestFrameTime ?? 0;
        this.set(t > 0 ? Date.now() / 1000 - t : 0);
      },
    });
    new Gauge({
      name: 'lvs_pcap_input_idle_seconds',
      help: 'Seconds since the last chunk of input arrived (tcpdump -U writes at least every frame)',
      registers,
      collect() {
        const at = self.state?.lastInputAt ?? 0;
        this.set(at > 0 ? (Date.now() - at) / 1000 : 0);
      },
    });
    new Gauge({
      name: 'lvs_pcap_vip_owner',
      help: 'The MAC that owns each VIP now by its ARP/ND claims (1), with its role',
      labelNames: ['vip', 'mac', 'role'],
      registers,
      collect() {
        this.reset();
        for (const o of self.state?.vipOwners() ?? []) this.set({ vip: o.vip, mac: o.mac, role: o.role }, 1);
      },
    });
    new Counter({
      name: 'lvs_pcap_new_connections_total',
      help: 'New connections the director forwarded (its copy of a SYN, or of a UDP client ip:port\'s first datagram), per virtual service and real server',
      labelNames: ['vip', 'port', 'proto', 'real_server'],
      registers,
      collect() {
        this.reset();
        for (const s of given.services) {
          for (const r of s.realServers ?? []) {
            if (s.vip === '' || s.port === undefined) continue;
            this.inc({ vip: s.vip, port: String(s.port), proto: s.proto, real_server: r.ip }, 0);
          }
        }
        for (const c of self.connections.values()) {
          this.inc({ vip: c.vip, port: c.port, proto: c.proto, real_server: self.serverName(c.mac) }, c.count);
        }
      },
    });
    const weights = new Gauge({
      name: 'lvs_pcap_real_server_weight',
      help: 'Weight of each real server in the configuration given (--ipvsadm, --config): 0 is quiesced',
      labelNames: ['vip', 'port', 'proto', 'real_server'],
      registers,
    });
    for (const s of given.services) {
      if (s.vip === '' || s.port === undefined) continue;
      for (const r of s.realServers ?? []) weights.set({ vip: s.vip, port: String(s.port), proto: s.proto, real_server: r.ip }, r.weight ?? 1);
    }

    this.findings = new Counter({ name: 'lvs_pcap_findings_total', help: 'Findings, per rule and severity', labelNames: ['rule', 'severity'], registers });
    for (const r of rules) for (const severity of SEVERITIES) this.findings.inc({ rule: r.id, severity }, 0);
    this.lastFinding = new Gauge({
      name: 'lvs_pcap_last_finding_timestamp_seconds',
      help: 'Capture time of the frame that proves the newest finding, per severity (epoch seconds)',
      labelNames: ['severity'],
      registers,
    });
    this.flows = new Counter({ name: 'lvs_pcap_flows_total', help: 'Flows to a VIP judged, per verdict', labelNames: ['verdict'], registers });
    for (const verdict of ['pass', 'fail', 'incomplete']) this.flows.inc({ verdict }, 0);
    this.ownerChanges = new Counter({ name: 'lvs_pcap_vip_owner_changes_total', help: 'Times a VIP moved to another director MAC (failover)', labelNames: ['vip'], registers });
    for (const s of given.services) if (s.vip !== '') this.ownerChanges.inc({ vip: s.vip }, 0);

    const rs = ['real_server'] as const;
    this.handshake = new Histogram({
      name: 'lvs_pcap_rs_handshake_seconds',
      help: "Time from the SYN the real server could first answer (the director's copy when seen) to its SYN-ACK",
      labelNames: rs,
      buckets: HANDSHAKE_BUCKETS,
      registers,
    });
    this.rsConnections = new Counter({ name: 'lvs_pcap_rs_connections_total', help: 'Connections to each real server judged', labelNames: rs, registers });
    this.rsUnanswered = new Counter({
      name: 'lvs_pcap_rs_unanswered_connections_total',
      help: 'Connections a real server never answered where answers would show',
      labelNames: rs,
      registers,
    });
    this.rsSegments = new Counter({
      name: 'lvs_pcap_rs_segments_total',
      help: 'TCP segments carrying data, SYN or FIN, of the connections of each real server, to_server or from_server',
      labelNames: ['real_server', 'direction'],
      registers,
    });
    this.rsRetransmitted = new Counter({
      name: 'lvs_pcap_rs_retransmitted_segments_total',
      help: 'Of those segments, the ones sent again (retransmissions), to_server or from_server',
      labelNames: ['real_server', 'direction'],
      registers,
    });
    this.rsResets = new Counter({ name: 'lvs_pcap_rs_resets_total', help: 'RSTs a real server sent', labelNames: rs, registers });
    this.rsZeroWindows = new Counter({ name: 'lvs_pcap_rs_zero_windows_total', help: 'Zero-window advertisements a real server sent', labelNames: rs, registers });
    this.rsHealthFindings = new Counter({
      name: 'lvs_pcap_rs_health_findings_total',
      help: 'rs-health findings per real server: problem "slow" (handshakes) or "retransmits"',
      labelNames: ['real_server', 'problem'],
      registers,
    });
  }

  attach(state: LiveState): void {
    this.state = state;
  }

  /** `time`: the capture time of the frame that proves it (NaN: not known). */
  finding(f: Finding, time: number): void {
    this.findings.inc({ rule: f.rule, severity: f.severity });
    if (Number.isFinite(time)) this.lastFinding.set({ severity: f.severity }, time);
    if (f.rule === 'vip-owner-change' && typeof f.data.ip === 'string') this.ownerChanges.inc({ vip: f.data.ip });
    if (f.rule === 'rs-health' && f.mac !== undefined) {
      this.rsHealthFindings.inc({ real_server: this.serverName(f.mac), problem: f.messageId === 'slow' ? 'slow' : 'retransmits' });
    }
  }

  flowJudged(j: JudgedFlow): void {
    this.flows.inc({ verdict: j.verdict });
    if (j.realServer === undefined) return;
    const real_server = this.serverName(j.realServer);
    this.rsConnections.inc({ real_server });
    if (!j.answered) this.rsUnanswered.inc({ real_server });
    if (j.handshakeMicros >= 0) this.handshake.observe({ real_server }, j.handshakeMicros / 1e6);
    this.rsSegments.inc({ real_server, direction: 'to_server' }, j.segmentsToServer);
    this.rsSegments.inc({ real_server, direction: 'from_server' }, j.segmentsFromServer);
    this.rsRetransmitted.inc({ real_server, direction: 'to_server' }, j.retransmittedToServer);
    this.rsRetransmitted.inc({ real_server, direction: 'from_server' }, j.retransmittedFromServer);
    this.rsResets.inc({ real_server }, j.resets);
    this.rsZeroWindows.inc({ real_server }, j.zeroWindows);
  }

  connection(vip: string, port: number, proto: 'tcp' | 'udp', mac: string): void {
    const key = `${vip}|${port}|${proto}|${mac}`;
    const c = this.connections.get(key);
    if (c !== undefined) c.count++;
    else this.connections.set(key, { vip, port: String(port), proto, mac, count: 1 });
  }

  /** A real server as the labels name it: its IP when known, else its MAC. */
  private serverName(mac: string): string {
    return this.state?.realServerIp(mac) ?? mac;
  }
}
