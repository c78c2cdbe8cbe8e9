import { defineRule } from './define.js';

/** A DR director rewrites the Ethernet header and nothing else (but TTL-1). */
export default defineRule({
  id: 'director-l2-only',
  kind: 'flow',
  defaultSeverity: 'error',
  meta: {
    summary: "the director's copy carries the client's IP packet unchanged; only the Ethernet header differs",
    rationale:
      'In direct routing the real server must receive the very packet the client sent to the VIP: it answers from the VIP straight to the client, so a rewritten destination (NAT), an added outer header (tunnel) or a modified packet means the director is not doing DR and replies will not match what the client expects. IPVS decrements the TTL by one since Linux 4.4; that and the recomputed header checksum are the only allowed changes.',
    remediation: [
      'Set the real server to direct routing: ipvsadm -e -t {vip}:{port} -r {rsIp} -g (keepalived: lb_kind DR)',
      'Check for NAT/mangle rules on the director that touch VIP traffic: nft list ruleset; iptables-save',
    ],
    observability: 'needs both the client frame to the director and the forwarded copy: a mirror port or the director itself',
  },
  messages: {
    nat: 'director rewrote the destination of the client packet ({changes}): this is NAT (masquerading), not direct routing',
    tunnel: 'director encapsulated the client packet ({changes}): this is tunnel mode, not direct routing',
    modified: 'director changed the IP packet while forwarding it ({changes}); only the Ethernet header may change',
  },
  create(context) {
    return {
      flowEnd(flow) {
        const d = flow.copyDifference;
        if (d === null) return;
        const rs = flow.forwarded[0]?.dstMac;
        context.report({
          messageId: d.mode,
          data: {
            changes: d.changes.join('; '),
            vip: flow.vip.ip,
            port: flow.vip.port,
            rsIp: (rs && context.analysis.realServerIp(rs)) ?? 'RS-IP',
            copyFrame: d.copy.frame,
            originalFrame: d.original.frame,
          },
          frames: [d.copy, d.original],
        });
      },
    };
  },
});
