import { defineRule } from './define.js';

/** A client packet that reached the director must come out again as a copy. */
export default defineRule({
  id: 'not-forwarded',
  kind: 'flow',
  defaultSeverity: 'error',
  meta: {
    summary: 'a client packet that reached the director is forwarded to a real server',
    rationale:
      "A packet the director swallows never reaches a real server: the client retransmits and the connection times out. IPVS drops packets of connections whose real server was removed, and a packet that matches no virtual service reaches the director's own stack (which answers RST from the VIP).",
    remediation: [
      'Check the virtual service exists and has real servers: ipvsadm -Ln -t {vip}:{port}',
      'Check the director has not dropped it: ipvsadm -Lnc (connection table), nft list ruleset, and the kernel log',
    ],
    observability: "needs the director's egress: a mirror port or a capture on the director",
  },
  messages: {
    dropped: '{count} client packet{s} to the director {were} not forwarded to any real server (first: frame {frame})',
  },
  create(context) {
    return {
      flowEnd(flow) {
        if (!flow.observable.forwarding) return;
        let count = 0;
        let first = null;
        for (const leg of flow.toDirector) {
          if (leg.uncopied === 0 || leg.firstUncopied === null) continue;
          count += leg.uncopied;
          if (first === null || leg.firstUncopied.frame < first.frame) first = leg.firstUncopied;
        }
        if (first === null) return;
        context.report({
          messageId: 'dropped',
          data: { count, s: count === 1 ? '' : 's', were: count === 1 ? 'was' : 'were', frame: first.frame, vip: flow.vip.ip, port: flow.vip.port },
          frames: [first],
        });
      },
    };
  },
});
