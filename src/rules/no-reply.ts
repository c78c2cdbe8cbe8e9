import { defineRule } from './define.js';
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
      'On {rsIp}: ip addr add {vip}/32 dev lo, and keep it across reboots',
      'On {rsIp}: check the service listens on the VIP and port {port} (ss -lnt / ss -lnu) and that no firewall drops it',
    ],
    observability:
      "needs the replies of the chosen real server (a mirror port, that RS's port, or the client's), or the client retransmitting a request the director had forwarded: that shows the silence from any vantage point, the director's own included, and also at the very end of a capture",
  },
  messages: {
    silent: 'forwarded to {rs} ({packets} packet{s}) and never answered',
    retransmitted: 'forwarded to {rs} ({packets} packet{s}) and never answered: the client retransmitted {retransmissions} time{rs_s} what the director had forwarded',
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
          s: packets === 1 ? '' : 's',
          rsIp: rsIp ?? 'the real server',
          vip: flow.vip.ip,
          port: flow.vip.port,
        };
        if (retransmitted === 0) {
          context.report({ messageId: 'silent', data, frames: [first.first] });
          return;
        }
        context.report({
          messageId: 'retransmitted',
          data: { ...data, retransmissions: retransmitted, rs_s: retransmitted === 1 ? '' : 's' },
          frames: [first.first],
          certain: true,
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
