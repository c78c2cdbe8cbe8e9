import { defineRule } from './define.js';
import { analyseOwnership } from '../infer/ownership.js';

/** One address, one MAC at a time: like Wireshark's duplicate-address detection, no topology needed. */
export default defineRule({
  id: 'vip-mac-conflict',
  kind: 'address',
  defaultSeverity: 'error',
  meta: {
    summary: 'no two MACs claim the VIP at the same time',
    rationale:
      'Hosts on the segment bind an IP address to the last MAC that claimed it. Two live claimants (two directors both master, a real server answering for the VIP) split the clients between them, and which client goes where depends on timing alone.',
    remediation: [
      'Find which host {mac} is and stop it claiming {ip}: on a real server set arp_ignore=1 / arp_announce=2; on a second director check keepalived/VRRP (one MASTER only)',
    ],
    observability: 'needs the ARP/ND frames of both claimants: a mirror port, or any host that received both',
  },
  messages: {
    conflict: '{mac} ({role}) claimed {ip} while {owner} owned it ({count} claim{s}, first: frame {frame})',
  },
  create(context) {
    const roleOf = (mac: string): string =>
      context.analysis.isDirectorMac(mac) ? 'director' : context.analysis.isRealServerMac(mac) ? 'real server' : 'unknown host';
    return {
      addresses(addresses) {
        const vipsKnown = context.analysis.vips.length > 0;
        for (const address of addresses) {
          if (vipsKnown && !address.isVip) continue;
          // Answers to a request several MACs answered are duplicate-address's: which of the
          // answering MACs "owned" the address then is not a question the wire answers.
          const answered = new Set(address.duplicateAnswers.flatMap((e) => e.answers.map((a) => `${a.frame.capture}:${a.frame.frame}`)));
          const sequence = answered.size === 0 ? address.sequence : address.sequence.filter((e) => !answered.has(`${e.frame.capture}:${e.frame.frame}`));
          const own = analyseOwnership(sequence, (mac) => context.analysis.isDirectorMac(mac));
          for (const c of own.conflicts) {
            const first = c.events[0];
            if (!first) continue;
            context.report({
              messageId: 'conflict',
              data: {
                mac: c.mac,
                role: roleOf(c.mac),
                ip: address.ip,
                owner: c.owner,
                count: c.events.length,
                s: c.events.length === 1 ? '' : 's',
                frame: first.frame.frame,
              },
              frames: c.events.map((e) => e.frame),
              mac: c.mac,
            });
          }
        }
      },
    };
  },
});
