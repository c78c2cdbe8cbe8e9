import { defineRule } from './define.js';
import { arpSysctls, vipOnLo } from './fixes.js';
import type { FlowView } from '../result/views.js';

/** A forwarded connection must be answered by the real server. */
export default defineRule({
  id: 'no-reply',
  kind: 'flow',
  defaultSeverity: 'error',
  meta: {
    summary: 'a connection forwarded to a real server gets an answer',
    rationale:
      'A real server that receives packets for the VIP but does not own it (VIP missing on lo) drops them silently; one whose service is down answers RST (which counts as an answer). Silence after forwarding is what clients experience as timeouts on a share of their connections.',
    remediation: [
      'On the silent real server: the VIP on lo (ip addr replace {vip}/32 dev lo; IPv6: ip -6 addr replace {vip}/128 dev lo), after arp_ignore=1 and arp_announce=2, and kept across reboots',
      'If it has the VIP: the service must listen on the VIP and port {port} (ss -lnt / ss -lnu), and no firewall may drop it',
    ],
    observability:
      "needs the replies of the chosen real server (a mirror port, that RS's port, or the client's), or the client retransmitting a request the director had forwarded: that shows the silence from any vantage point, the director's own included, and also at the very end of a capture",
  },
  messages: {
    silent: 'forwarded to {rs} ({packets} {packets|packet|packets}) and never answered',
    retransmitted: 'forwarded to {rs} ({packets} {packets|packet|packets}) and never answered: the client retransmitted {retransmissions} {retransmissions|time|times} what the director had forwarded',
  },
  create(context) {
    return {
      flowEnd(flow) {
        if (flow.replies.length > 0) return;
        const first = flow.forwarded[0];
        if (!first) return;
        const retransmitted = unansweredRetransmissions(flow);
        if (retransmitted === 0 && (!flow.observable.replies || flow.endedBeforeReplyDue)) return;
        const packets = flow.forwarded.reduce((n, l) => n + l.packets, 0);
        const rsIp = first.dstMac !== undefined ? context.analysis.realServerIp(first.dstMac) : undefined;
        const data = {
          rs: rsIp ? `${rsIp} (${first.dstMac})` : (first.dstMac ?? 'the real server'),
          packets,
          ...(rsIp !== undefined ? { rsIp } : {}),
          vip: flow.vip.ip,
          port: flow.vip.port,
        };
        const family = flow.vip.ip.includes(':') ? 6 : 4;
        const rs = context.analysis.host(first.dstMac, family, { ip: rsIp, unknownAs: 'real-server' });
        // Silence, not an RST: the host dropped the packets, as one does that does not own
        // their destination (no VIP on lo). A service down would have answered RST or ICMP.
        const why = `it received what the director forwarded to ${flow.vip.ip} and never answered: a real server without the VIP drops such packets silently`;
        const remediation = family === 4 ? [arpSysctls(rs, 'with the VIP on lo it must neither answer ARP for it nor announce it'), vipOnLo(rs, flow.vip.ip, why)] : [vipOnLo(rs, flow.vip.ip, why)];
        if (retransmitted === 0) {
          context.report({ messageId: 'silent', data, frames: [first.first], remediation });
          return;
        }
        context.report({
          messageId: 'retransmitted',
          data: { ...data, retransmissions: retransmitted },
          frames: [first.first],
          certain: true,
          remediation,
        });
      },
    };
  },
});

/**
 * The client's retransmissions of requests the director forwarded, when they prove that no
 * answer reached it; 0 when they do not. Where replies can be seen, any such retransmission
 * with no reply at all. Where they cannot (the director's port), only a TCP client that never
 * acknowledged anything (every request a SYN) or a UDP client sending the same datagram again.
 */
function unansweredRetransmissions(flow: FlowView): number {
  // From a real server's port the client's own frames are not in the capture, only the
  // director's copies of them: a repeated copy is the client retransmitting.
  const seen = flow.toDirector.length === 0 && flow.forwarded.length > 0 ? flow.retransmissions : flow.retransmittedAfterCopy;
  if (seen === 0) return 0;
  if (flow.observable.replies) return seen;
  if (flow.proto === 'udp' || !flow.requestAcked) return seen;
  return 0;
}
