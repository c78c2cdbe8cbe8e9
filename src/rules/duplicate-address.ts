import { defineRule } from './define.js';
import type { DuplicateAnswerView } from '../result/views.js';

/**
 * One ARP request (or Neighbor Solicitation) answered by several MACs: a duplicate address in
 * fact, as arpwatch and Wireshark's duplicate-address detection see it, whatever the topology.
 */
export default defineRule({
  id: 'duplicate-address',
  kind: 'address',
  defaultSeverity: 'error',
  meta: {
    summary: 'one ARP request (or IPv6 Neighbor Solicitation) gets one answer, never several',
    rationale:
      "When several hosts answer for one address, every host that asks binds it to whichever answer it keeps (Linux keeps the first inside its ARP locktime): which one depends on delivery order alone. For a DR VIP the other answers come from real servers with arp_ignore=0 (IPv6: the VIP on a real server's eth0 instead of lo), and every client that kept one sends all its connections straight to that real server: balancing silently stops and the director never sees them.",
    remediation: [
      'On each real server that answered: sysctl -w net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 (IPv6: move the VIP from eth0 to lo)',
      'Then flush the entry on the clients (or wait for it to expire): ip neigh flush to {ip}',
    ],
    observability: 'needs the request and its answers: a mirror port, or the requester\'s port (which receives every answer)',
  },
  messages: {
    answered:
      '{ip} answered by {count} MACs to one {request}: {order}; {kept}{more}',
  },
  create(context) {
    return {
      addresses(addresses) {
        for (const address of addresses) {
          const events = address.duplicateAnswers;
          const first = events[0];
          if (!first) continue;
          const frames = events.flatMap((e) => e.answers.map((a) => a.frame)).sort((a, b) => a.capture - b.capture || a.frame - b.frame);
          const macs = [...new Set(events.flatMap((e) => e.answers.map((a) => a.mac)))];
          const answer = (a: DuplicateAnswerView['answers'][number]): string => {
            const role = a.role === 'director' ? 'director, ' : a.role === 'rs' ? 'real server, ' : '';
            return `${a.mac} (${role}${context.analysis.frameLabel(a.frame)})`;
          };
          context.report({
            messageId: 'answered',
            data: {
              ip: address.ip,
              count: macs.length,
              macs: macs.join(', '),
              request: requestText(first, address.family, context.analysis.frameLabel),
              order: first.answers.map(answer).join(', '),
              kept: keptText(first, context.analysis.frameLabel),
              more: events.length > 1 ? `; ${events.length - 1} more request${events.length === 2 ? '' : 's'} answered the same way` : '',
              requests: events.length,
            },
            frames,
            // For a VIP this is the DR failure itself; another address answered twice may be a
            // router's proxy ARP, worth knowing but not the LVS's fault.
            ...(address.isVip ? { certain: true } : { severity: 'warning' as const }),
          });
        }
      },
    };
  },
});

function requestText(e: DuplicateAnswerView, family: 4 | 6, label: (f: { capture: number; frame: number }) => string): string {
  const what = family === 6 ? 'Neighbor Solicitation' : 'ARP request';
  const who = e.requester.ip ? `${e.requester.ip} (${e.requester.mac})` : e.requester.mac;
  return e.request ? `${what} from ${who} (${label(e.request)})` : `${what} from ${who} (not in the capture)`;
}

function keptText(e: DuplicateAnswerView, label: (f: { capture: number; frame: number }) => string): string {
  if (!e.kept) return 'the requester sent nothing to it afterwards';
  return `the requester kept ${e.kept.mac} (its next frame there, ${label(e.kept.frame)}, went to it)`;
}
