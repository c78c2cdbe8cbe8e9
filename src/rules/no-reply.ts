import { defineRule } from './define.js';

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
    observability: "needs the replies of the chosen real server: a mirror port, that RS's port, or the client's; a capture on the director alone cannot tell",
  },
  messages: {
    silent: 'forwarded to {rs} ({packets} packet{s}) and never answered',
  },
  create(context) {
    return {
      flowEnd(flow) {
        if (flow.replies.length > 0) return;
        const first = flow.forwarded[0];
        if (!first) return;
        if (!flow.observable.replies || flow.endedBeforeReplyDue) return;
        const packets = flow.forwarded.reduce((n, l) => n + l.packets, 0);
        const rsIp = first.dstMac !== undefined ? context.analysis.realServerIp(first.dstMac) : undefined;
        context.report({
          messageId: 'silent',
          data: {
            rs: rsIp ? `${rsIp} (${first.dstMac})` : (first.dstMac ?? 'the real server'),
            packets,
            s: packets === 1 ? '' : 's',
            rsIp: rsIp ?? 'the real server',
            vip: flow.vip.ip,
            port: flow.vip.port,
          },
          frames: [first.first],
        });
      },
    };
  },
});
