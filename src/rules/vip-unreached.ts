import { defineRule } from './define.js';
import { serviceLabel } from '../result/service-label.js';
import type { DestinationView, GivenServiceView } from '../result/views.js';

/** A VIP the user named must be reached by the capture, or the check looked at the wrong thing. */
export default defineRule({
  id: 'vip-unreached',
  kind: 'service',
  defaultSeverity: 'error',
  meta: {
    summary: 'every VIP given on the command line is reached by traffic in the capture',
    rationale:
      "A check that finds no flow to the VIP it was told about proves nothing: a mistyped --vip, a capture filter that kept the wrong port, or a capture taken where the VIP's traffic never passes would otherwise pass a CI gate silently. Services read from ipvsadm output or a config file are the director's whole table, of which a capture may hold part: those fail only when none of them is reached.",
    remediation: [
      'Check the address and port given: the capture carries traffic to {destinations}',
      'Check where and with which filter the capture was taken (tcpdump -i IF -w FILE "host {vip}")',
    ],
    observability: 'any capture; runs only when services are given (--vip, --ipvsadm, --config)',
  },
  messages: {
    unreached: 'no flow reached {service}; the capture carries traffic to {destinations}',
    unreachedEmpty: 'no flow reached {service}; the capture holds no TCP or UDP traffic at all',
  },
  create(context) {
    return {
      givenServices(services) {
        const reachedAny = services.some((s) => s.flows > 0);
        const anyTraffic = context.analysis.destinations.length > 0;
        for (const s of services) {
          if (s.flows > 0) continue;
          // No TCP/UDP traffic at all, and the VIP in its ARP: a vantage point its traffic does
          // not pass (a real server no client picked), not a wrong address.
          if (!anyTraffic && s.addressSeen) continue;
          const service = label(s);
          const data = { service, vip: s.vip, destinations: describe(context.analysis.destinations, s) };
          // Part of the director's table, with other parts reached: the topology notes say so.
          if (!s.asserted && reachedAny) continue;
          {
            const v = context.analysis.vantage;
            context.report({
              messageId: context.analysis.destinations.length > 0 ? 'unreached' : 'unreachedEmpty',
              data,
              frames: [],
              service,
              certain: true,
              remediation: [
                {
                  id: 'capture-the-vip',
                  host: { role: 'capture-point', ...(v.hostMac !== undefined ? { mac: v.hostMac } : {}) },
                  commands: [],
                  manual: `check the VIP given (the capture carries traffic to ${data.destinations}), and capture where its traffic passes, with a filter that keeps it (tcpdump -w FILE 'host ${s.vip}')`,
                  why: `no flow of the capture reached ${service}: a check of it proves nothing`,
                },
              ],
            });
          }
        }
      },
    };
  },
});

function label(s: GivenServiceView): string {
  return serviceLabel({ vip: s.vip, port: s.port, proto: s.proto });
}

/** The destinations most like the one intended first: same address, then DR evidence, then traffic. */
function describe(all: readonly DestinationView[], s: GivenServiceView): string {
  const sameIp = all.filter((d) => d.ip === s.vip);
  const rest = all.filter((d) => d.ip !== s.vip);
  const picked = [...sameIp, ...rest].slice(0, 5);
  if (picked.length === 0) return 'nothing';
  const text = picked.map((d) => {
    const host = d.ip.includes(':') ? `[${d.ip}]` : d.ip;
    return `${host}:${d.port}/${d.proto} (${d.flows} flow${d.flows === 1 ? '' : 's'}${d.evidence ? ', looks like a VIP' : ''})`;
  });
  const more = all.length - picked.length;
  return text.join(', ') + (more > 0 ? ` and ${more} more` : '');
}
