/**
 * Golden outputs of the fixes: the table report a new user sees (nothing given, or the director's
 * ipvsadm -Ln beside a real-IPVS capture) for a capture of each kind of broken LVS-DR, frozen in
 * test/report/golden/ (a lab run rewrites fixtures/). Each names its root cause once, then the fix
 * host by host, then the findings it explains. The JSON of the same causes is asserted by shape in
 * test/report/remediation-commands.test.ts; the fixes themselves are proved in the labs
 * (fixtures/lab/run.sh --verify-fixes). Rewritten by `npx vitest run test/report -u`: review the
 * diff before committing it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkCaptures } from '../../src/check/check.js';
import { formatJson } from '../../src/report/json.js';
import { plainStyle } from '../../src/report/style.js';
import { formatTable } from '../../src/report/table.js';
import { buildGivenTopology } from '../../src/topology/build.js';

const DIR = 'test/report/golden';

/** Name, capture, and the ipvsadm output given with it (none: nothing given). */
const CASES: [string, string, string | undefined][] = [
  ['udp-service-bound-to-any', `${DIR}/fixes/udp-reply-real-ip-bridge.pcap`, undefined],
  ['replies-via-director-routed', `${DIR}/fixes/rs-gw-director-bridge.pcap`, undefined],
  ['replies-via-director-on-link', `${DIR}/fixes/reply-via-director-bridge.pcap`, undefined],
  ['ipv6-rs-advertises-vip', `${DIR}/fixes/ipv6-rs-advertises-vip-bridge.pcap`, undefined],
  ['nat-director', `${DIR}/nat-director.pcap`, undefined],
  ['arp-ignore-0', `${DIR}/arp-ignore-0.pcap`, undefined],
  ['arp-ignore-0-routed', `${DIR}/fixes/arp-ignore-0-routed-bridge.pcap`, undefined],
  ['arp-announce-0', `${DIR}/fixes/arp-announce-0-bridge.pcap`, undefined],
  ['per-packet-director', `${DIR}/fixes/per-packet-director-bridge.pcap`, undefined],
  ['vip-missing-director-port', `${DIR}/fixes/vip-missing-on-rs-director.pcap`, undefined],
  ['healthy-director-port', `${DIR}/fixes/healthy-director.pcap`, undefined],
  ['ipvs-nat', `${DIR}/fixes/ipvs-nat-bridge.pcap`, `${DIR}/fixes/ipvs-nat-bridge.ipvsadm-Ln.txt`],
  ['ipvs-poisoned', `${DIR}/fixes/ipvs-poisoned-bridge.pcap`, undefined],
  ['ipvs-rs-removed', `${DIR}/fixes/ipvs-rs-removed-bridge.pcap`, undefined],
  ['vrrp-split-brain-unicast-one-side', `${DIR}/fixes/keepalived-unicast-one-side-bridge.pcap`, undefined],
  ['vrrp-split-brain-vrid-mismatch', `${DIR}/fixes/ipvs-keepalived-vrid-mismatch-bridge.pcap`, undefined],
  ['vrrp-silent-owner', `${DIR}/fixes/ipvs-keepalived-left-vip-bridge.pcap`, undefined],
  ['ipvs-rs-removed-table-after', `${DIR}/fixes/ipvs-rs-removed-bridge.pcap`, `${DIR}/fixes/ipvs-rs-removed-bridge.ipvsadm-Ln.after-d.txt`],
];

describe('golden fixes: the table a new user sees', () => {
  for (const [name, capture, ipvsadm] of CASES) {
    it(name, async () => {
      const given = ipvsadm ? buildGivenTopology({ ipvsadm: { text: readFileSync(ipvsadm, 'utf8'), source: 'ipvsadm-Ln.txt' } }) : undefined;
      const r = await checkCaptures([capture], given ? { given } : {});
      await expect(formatTable(r, { style: plainStyle, allFlows: false, timeline: false })).toMatchFileSnapshot(`./__snapshots__/fixes/${name}.txt`);
      // The same causes and fixes in the JSON, which tools and the labs read.
      await expect(JSON.stringify(JSON.parse(formatJson(r)).causes, null, 2)).toMatchFileSnapshot(`./__snapshots__/fixes/${name}.causes.json`);
    });
  }
});
