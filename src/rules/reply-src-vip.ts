import { defineRule } from './define.js';
import type { RuleContext } from './define.js';
import { directRouting, serviceOnVip } from './fixes.js';
import type { Remediation } from '../result/result.js';
import type { FlowView, LegView } from '../result/views.js';

/** The client talked to VIP:port; only an answer from VIP:port belongs to its connection. */
export default defineRule({
  id: 'reply-src-vip',
  kind: 'flow',
  defaultSeverity: 'error',
  meta: {
    summary: 'replies to the client come from the VIP and the service port',
    rationale:
      "The client's socket is connected to VIP:port. A reply from the real server's own address matches no socket on the client: TCP answers RST, UDP answers ICMP port unreachable. A real server that got the request addressed to the VIP answers TCP from the VIP by itself; a UDP service bound to 0.0.0.0 answers from the address the route picks, its own. A TCP reply from the real server's address means the request reached it addressed to that address: the director rewrote it (NAT).",
    remediation: [
      'UDP: bind the service to the VIP, or make it answer from the address each request was sent to (IP_PKTINFO)',
      'TCP (or UDP behind a NAT director): set the director to direct routing: ipvsadm -e -t {vip}:{port} -r <rs>:{port} -g',
    ],
    observability: 'needs the replies: a mirror port, the real server or the client',
  },
  messages: {
    wrongSource: 'reply to {client} comes from {source} instead of {vip}',
  },
  create(context) {
    return {
      flowEnd(flow) {
        for (const leg of flow.replies) {
          if (leg.srcIp === flow.vip.ip && leg.srcPort === flow.vip.port) continue;
          context.report({
            messageId: 'wrongSource',
            data: {
              client: `${flow.client.ip}:${flow.client.port}`,
              source: `${leg.srcIp}:${leg.srcPort}`,
              vip: `${flow.vip.ip}:${flow.vip.port}`,
            },
            frames: [leg.first],
            remediation: fix(context, flow, leg),
          });
          return;
        }
      },
    };
  },
});

function fix<M extends string>(context: RuleContext<M>, flow: FlowView, reply: LegView): Remediation[] {
  const a = context.analysis;
  const family = flow.vip.ip.includes(':') ? 6 : 4;
  const copy = flow.forwarded[0];
  // The copy shows the director rewrote the destination; without it, a TCP reply from another
  // address says the same (a kernel answers a connection from the address it was opened to).
  const rewritten = copy !== undefined ? copy.dstIp !== flow.vip.ip : flow.proto === 'tcp' && reply.srcIp !== flow.vip.ip;
  const rsMac = reply.role === 'reply' ? reply.srcMac : copy?.dstMac;
  const rs = a.host(rsMac, family, { ip: reply.srcIp !== flow.vip.ip ? reply.srcIp : undefined, unknownAs: 'real-server' });
  if (rewritten) {
    const director = a.host(copy?.srcMac ?? flow.toDirector[0]?.dstMac, family, { unknownAs: 'director' });
    const rsIp = copy !== undefined && copy.dstIp !== flow.vip.ip ? copy.dstIp : reply.srcIp;
    return [directRouting(director, flow.vip.ip, flow.vip.port, flow.proto, rsIp, copy?.dstPort ?? reply.srcPort, `the replies come from ${reply.srcIp}:${reply.srcPort}: the director rewrites the destination of client packets (NAT) instead of handing them on unchanged (keepalived: lb_kind DR)`)];
  }
  if (reply.srcIp === flow.vip.ip) {
    return [
      {
        id: 'service-on-vip',
        host: rs,
        commands: [],
        manual: `make the service answer from port ${flow.vip.port}, the port the request was sent to`,
        why: `it answers ${flow.proto.toUpperCase()} requests to port ${flow.vip.port} from port ${reply.srcPort}`,
      },
    ];
  }
  return [serviceOnVip(rs, flow.vip.ip, flow.vip.port, flow.proto, `it answers requests sent to ${flow.vip.ip}:${flow.vip.port} from ${reply.srcIp}:${reply.srcPort}, which the client's socket does not accept`)];
}
