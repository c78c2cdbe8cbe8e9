import { defineRule } from './define.js';

/** IPVS schedules once per connection: every packet of a flow goes to the same real server. */
export default defineRule({
  id: 'flow-affinity',
  kind: 'flow',
  defaultSeverity: 'error',
  meta: {
    summary: 'every forwarded packet of a flow goes to the same real server',
    rationale:
      'A TCP connection lives on one real server. A director that picks the RS per packet sends the rest of the handshake or the data to a server that has no such connection; it answers with RST and the client sees resets or stalls.',
    remediation: [
      'Use IPVS (ipvsadm / keepalived), which keeps a connection table, instead of a stateless per-packet balancer',
      'If an nftables/eBPF balancer is in use, hash on the whole flow (saddr . sport), never on a per-packet counter (numgen)',
    ],
    observability: 'needs the forwarded copies with their destination MAC: a mirror port or the director (not a cooked capture)',
  },
  messages: {
    split: 'flow sent to {count} real servers: first {firstRs} (frame {firstFrame}), then {otherRs} (frame {otherFrame})',
  },
  create(context) {
    return {
      flowEnd(flow) {
        if (flow.forwarded.length < 2) return;
        const macs = [...new Set(flow.forwarded.map((l) => l.dstMac).filter((m): m is string => m !== undefined))];
        if (macs.length < 2) return;
        const first = flow.forwarded.find((l) => l.dstMac === macs[0]);
        const other = flow.forwarded.find((l) => l.dstMac === macs[1]);
        if (!first || !other) return;
        const name = (mac: string): string => {
          const ip = context.analysis.realServerIp(mac);
          return ip ? `${ip} (${mac})` : mac;
        };
        const director = context.analysis.host(first.srcMac, flow.vip.ip.includes(':') ? 6 : 4, { unknownAs: 'director' });
        context.report({
          messageId: 'split',
          data: {
            count: macs.length,
            firstRs: name(macs[0]!),
            firstFrame: first.first.frame,
            otherRs: name(macs[1]!),
            otherFrame: other.first.frame,
          },
          frames: [other.first, first.first],
          remediation: [
            {
              id: 'schedule-per-connection',
              host: director,
              commands: [],
              manual:
                'make the director keep every packet of a connection on one real server: IPVS does (ipvsadm, keepalived); an nftables or eBPF balancer must hash the connection (ip saddr . tcp sport), never count packets (numgen)',
              why: `it sent the packets of one connection to ${macs.length} real servers; the ones that did not see its start answer with RST`,
            },
          ],
        });
      },
    };
  },
});
