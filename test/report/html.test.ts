/**
 * The HTML report as text: self-contained (nothing fetched), escaped, capped in size, and the
 * ladder collector's second pass over the lab captures. What a person sees in a browser is
 * checked in test/browser.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkCaptures } from '../../src/check/check.js';
import type { CheckResult, Finding, FlowReport } from '../../src/result/result.js';
import { esc, formatHtml } from '../../src/report/html.js';
import { collectLadders, ladderFlows, ladderKey, nanosBetween, MAX_LADDERS, type LadderData, type LadderFrame } from '../../src/report/ladder.js';
import { checkFixture, flow, result } from './support.js';

const paths = (r: CheckResult): string[] => r.captures.map((c) => c.path);

function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    rule: 'reply-direct',
    severity: 'error',
    messageId: 'x',
    message: 'reply from 10.0.0.11:80 is sent to the director',
    data: {},
    frames: [{ capture: 0, frame: 3 }],
    flow: { client: { ip: '10.0.0.1', port: 40000 }, vip: { ip: '10.0.0.100', port: 80 }, proto: 'tcp' },
    remediation: [{ id: 'route-replies', host: { role: 'real-server', ip: '10.0.0.11', mac: '02:00:00:00:00:11' }, commands: ['ip route replace default via 10.0.0.254'], why: 'its replies go to the director' }],
    displayFilter: 'frame.number == 3',
    cause: 0,
    ...overrides,
  };
}

/** Every place a page could load something from: attributes and CSS urls. */
function externalReferences(html: string): string[] {
  const refs: string[] = [];
  for (const m of html.matchAll(/\b(?:src|href|action|poster|data|xlink:href)\s*=\s*"([^"]*)"/g)) if (!m[1]!.startsWith('#')) refs.push(m[0]);
  for (const m of html.matchAll(/url\(([^)]*)\)/g)) if (!m[1]!.startsWith('#')) refs.push(m[0]);
  for (const m of html.matchAll(/@import|@font-face|<link\b|<img\b|<iframe\b|<object\b|<embed\b/g)) refs.push(m[0]);
  return refs;
}

describe('formatHtml', () => {
  it('is one self-contained page that forbids fetching anything', async () => {
    const r = await checkFixture('arp-ignore-0/bridge');
    const html = formatHtml(r, { ladders: await collectLadders(paths(r), r) });
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(externalReferences(html)).toEqual([]);
    // The one script runs because the policy names its hash; no other inline script could.
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
    const hash = createHash('sha256').update(script, 'utf8').digest('base64');
    expect(html).toContain(
      `content="default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${hash}'; img-src data:; base-uri 'none'; form-action 'none'"`,
    );
    expect(html).toContain('@media print');
    expect(html.match(/<script>/g)).toHaveLength(1);
    // Deterministic: nothing of the run (time, host) goes in, so two renders are identical.
    expect(formatHtml(r, { ladders: await collectLadders(paths(r), r) })).toBe(html);
  });

  it('states the verdict in words and symbols, with captures, vantage points and counts', async () => {
    const r = await checkFixture('healthy/bridge');
    const html = formatHtml(r);
    expect(html).toContain('>✓ PASS</span>');
    expect(html).toContain('vantage point: <b>mirror port (frames between many hosts)</b>');
    expect(html).toContain('<b>9 flows</b>: <span class="v-pass">9 ✓ pass</span>, <span class="v-fail">0 ✗ fail</span>');
    // Passing flows: counted, and present behind the CSS toggle.
    expect(html).toContain('✓ 9 passing flows not listed');
    expect(html.match(/<tr class="flow pass"/g)).toHaveLength(9);
    expect(html).toContain('No failing flow.');
  });

  it('draws a ladder per failing flow with the proving frame marked, its filter and fix', async () => {
    const r = await checkFixture('nat-director/bridge');
    const ladders = await collectLadders(paths(r), r);
    const html = formatHtml(r, { ladders });
    const failing = r.flows.filter((f) => f.verdict === 'fail');
    expect(html.match(/<article class="ladder"/g)).toHaveLength(failing.length);
    const first = r.findings[failing[0]!.findings[0]!]!;
    expect(html).toContain(`<code class="filter">${esc(first.displayFilter)}</code> <button type="button" class="copy" data-copy="${esc(first.displayFilter)}">`);
    // The fix, host by host, as a block to paste (with a Copy button), under the cause and under the finding.
    const fix = first.remediation[0]!;
    expect(html).toContain(`<p class="fixhost">on <b>${esc(`director ${fix.host.ip} (${fix.host.mac})`)}</b>:`);
    expect(html).toContain(`${esc(`# ${fix.why}`)}\n${esc(fix.commands[0]!)}`);
    expect(html).toContain(`<article class="cause error" id="cause-0"><h3><span class="sev">✗ error</span> ${esc(r.causes[0]!.headline)}</h3>`);
    // The director's NAT copy continues the client's packet on the same row.
    expect(html).toContain('class="arrow copy"');
    expect(html).toMatch(/<g class="pkt bad" data-bad="1">/);
    // Every rule that reported links to an explanation from its meta.
    for (const rule of new Set(r.findings.map((f) => f.rule))) {
      expect(html).toContain(`href="#rule-${rule}"`);
      expect(html).toContain(`<article class="rule" id="rule-${rule}">`);
    }
    expect(html).toContain('<b>Why:</b>');
  });

  it('says where the ladders went when there are none', async () => {
    const r = await checkFixture('nat-director/bridge');
    expect(formatHtml(r)).toContain('ladders need the capture file');
    const stdin = await collectLadders(['-'], r);
    expect(stdin.unavailable).toMatch(/stdin/);
    expect(stdin.flows).toEqual({});
    expect(formatHtml(r, { ladders: stdin })).toContain(esc(stdin.unavailable!));
  });

  it('shows the VIP owners over time, the failover and the first poisoned client', async () => {
    const failover = formatHtml(await checkFixture('failover/bridge'));
    expect(failover.match(/<g class="seg /g)).toHaveLength(2);
    expect(failover).toContain('⇄ failover');
    expect(failover).toContain('00:0c:29:50:d5:64 (director)');
    const bypass = formatHtml(await checkFixture('arp-ignore-0/bridge'));
    expect(bypass).toContain('<g class="ev conflict">');
    expect(bypass).toContain('<g class="ev bypass">');
    expect(bypass).toContain('▼ bypass start');
  });

  it('escapes everything that comes from the capture or the rules', () => {
    const evil = '<script>alert(1)</script>"\'&';
    const r = result({
      flows: [flow({ verdict: 'fail', findings: [0] })],
      findings: [finding({ message: evil, displayFilter: evil, remediation: [{ id: evil, host: { role: 'client', ip: evil }, commands: [evil], manual: evil, why: evil }] })],
    });
    r.captures[0]!.path = evil;
    r.topology.notes = [evil];
    const html = formatHtml(r);
    expect(html).not.toContain('<script>alert');
    expect(html).toContain(esc(evil));
    expect(html.match(/<script>/g)).toHaveLength(1);
  });

  it('marks the expected share when the result carries configured weights, and does without', () => {
    const r = result();
    expect(formatHtml(r)).toContain('no weights were given');
    // The field the scheduling work will add; CheckResult does not declare it yet.
    const withShares: CheckResult = Object.assign(result(), {
      services: [{ vip: '10.0.0.100', port: 80, proto: 'tcp', realServers: [{ ip: '10.0.0.11', expectedShare: 0.75 }, { ip: '10.0.0.12', expectedShare: 0.25 }] }],
    });
    const html = formatHtml(withShares);
    expect(html).toContain('expected 75.0%');
    expect(html).toContain('<td>25.0%</td>');
    expect(html.match(/class="expected"/g)).toHaveLength(2);
    // Topology weights are the fallback.
    const weighted = result();
    weighted.topology.realServers[0]!.weight = 3;
    weighted.topology.realServers[1]!.weight = 1;
    expect(formatHtml(weighted)).toContain('expected 75.0%');
  });

  it('stays under 5 MB for 50,000 flows, every list capped with a count of the rest', () => {
    const flows: FlowReport[] = [];
    const findings: Finding[] = [];
    for (let i = 0; i < 50_000; i++) {
      const client = { ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, port: 1024 + (i % 60000) };
      const fail = i % 2 === 0;
      if (fail) {
        findings.push(
          finding({
            flow: { client, vip: { ip: '10.0.0.100', port: 80 }, proto: 'tcp' },
            frames: [{ capture: 0, frame: i * 20 + 3 }],
            displayFilter: `frame.number == ${i * 20 + 3}`,
            message: `reply from 10.0.0.11:80 to ${client.ip}:${client.port} is sent to the director (00:0c:29:50:d5:63) instead of straight to the client`,
          }),
        );
      }
      flows.push(flow({ client, verdict: fail ? 'fail' : 'pass', findings: fail ? [findings.length - 1] : [], firstFrame: { capture: 0, frame: i * 20 + 1 } }));
    }
    const timeline = Array.from({ length: 5000 }, (_, i) => ({
      time: `1700000000.${String(i).padStart(6, '0')}`,
      frame: { capture: 0, frame: i + 1 },
      kind: 'conflict' as const,
      ip: '10.0.0.100',
      mac: '02:00:00:00:00:11',
      note: '02:00:00:00:00:11 (real server) claims 10.0.0.100 while 02:00:00:00:00:01 owns it',
    }));
    const r = result({ flows, findings, timeline });
    r.summary.frames = 1_000_000;
    r.topology.realServers = Array.from({ length: 500 }, (_, i) => ({ ip: `10.1.${i >> 8}.${i & 255}`, mac: `02:00:00:01:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`, source: 'inferred' as const, flows: 100 }));
    // Ladders as full as the collector makes them, and then some.
    const ladders: LadderData = { maxFramesPerFlow: 40, flows: {} };
    for (const f of flows.filter((x) => x.verdict === 'fail').slice(0, 200)) {
      const frames: LadderFrame[] = Array.from({ length: 80 }, (_, k) => ({
        capture: 0,
        frame: f.firstFrame.frame + k,
        time: `1700000000.${String(k * 1000).padStart(9, '0')}`,
        srcMac: k % 2 ? '02:00:00:00:00:11' : '02:00:00:00:00:aa',
        dstMac: k % 2 ? '02:00:00:00:00:aa' : '02:00:00:00:00:01',
        srcIp: k % 2 ? f.vip.ip : f.client.ip,
        dstIp: k % 2 ? f.client.ip : f.vip.ip,
        srcPort: k % 2 ? f.vip.port : f.client.port,
        dstPort: k % 2 ? f.client.port : f.vip.port,
        tcpFlags: 'PSH,ACK',
        length: 1514,
      }));
      ladders.flows[ladderKey(f)] = { flow: f, frames, omitted: 1000 };
    }
    const html = formatHtml(r, { ladders });
    const bytes = Buffer.byteLength(html);
    expect(bytes).toBeLessThan(5 * 1024 * 1024);
    expect(html.match(/<article class="ladder"/g)).toHaveLength(MAX_LADDERS);
    expect(html).toContain(`${25_000 - MAX_LADDERS} more failing flows without a ladder`);
    expect(html).toContain('24000 more failing or incomplete flows not listed');
    expect(html).toContain('… 488 more real servers');
    expect(html).toContain('4800 more events');
    expect(html).toContain('460 other real servers');
  });
});

describe('collectLadders', () => {
  it('keeps the frames of each failing flow, the evidence frame included, as plain data', async () => {
    const r = await checkFixture('arp-announce-0/bridge');
    const data = await collectLadders(paths(r), r);
    const failing = ladderFlows(r);
    expect(Object.keys(data.flows)).toHaveLength(failing.length);
    for (const f of failing) {
      const l = data.flows[ladderKey(f)]!;
      const nums = l.frames.map((x) => x.frame);
      for (const i of f.findings) expect(nums).toContain(r.findings[i]!.frames[0]!.frame);
      expect(nums).toContain(f.firstFrame.frame);
      for (let k = 1; k < l.frames.length; k++) expect(nanosBetween(l.frames[k - 1]!.time, l.frames[k]!.time)).toBeGreaterThanOrEqual(0);
      for (const x of l.frames) {
        const forward = x.srcIp === f.client.ip && x.srcPort === f.client.port;
        const backward = x.dstIp === f.client.ip && x.dstPort === f.client.port;
        expect(forward || backward).toBe(true);
        expect(x.srcMac).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
      }
    }
    expect(JSON.parse(JSON.stringify(data))).toEqual(data);
    // A bypassing client: the SYN to the director, its copy, then the frames sent to the RS MAC.
    const first = data.flows[ladderKey(failing[0]!)]!.frames;
    expect(first[0]).toMatchObject({ frame: 3, srcIp: '192.168.188.111', dstIp: '192.168.188.120', dstMac: '00:0c:29:50:d5:63', tcpFlags: 'SYN' });
    expect(first.some((x) => x.dstMac === '00:0c:29:e4:4d:1f' && x.srcIp === '192.168.188.111')).toBe(true);
  });

  it('matches NAT copies by the client address and the service port', async () => {
    const r = await checkFixture('nat-director/bridge');
    const data = await collectLadders(paths(r), r);
    const f = ladderFlows(r)[0]!;
    const frames = data.flows[ladderKey(f)]!.frames;
    const rs = f.realServer!.ip!;
    expect(frames.some((x) => x.srcIp === f.client.ip && x.dstIp === rs)).toBe(true);
    expect(frames.some((x) => x.srcIp === rs && x.dstIp === f.client.ip)).toBe(true);
    expect(frames.some((x) => x.srcIp === f.vip.ip && x.dstIp === f.client.ip)).toBe(true);
  });

  it('caps the frames per flow but never drops the evidence', async () => {
    const r = await checkFixture('nat-director/bridge');
    const data = await collectLadders(paths(r), r, 1);
    for (const f of ladderFlows(r)) {
      const l = data.flows[ladderKey(f)]!;
      const evidence = new Set(f.findings.map((i) => r.findings[i]!.frames[0]!.frame));
      expect(l.frames.length).toBeLessThanOrEqual(1 + evidence.size);
      for (const e of evidence) expect(l.frames.map((x) => x.frame)).toContain(e);
      expect(l.omitted).toBeGreaterThan(0);
    }
  });

  it('draws a packet seen by several captures once, under the frame number the finding cites', async () => {
    const dir = 'fixtures/vip-missing-on-rs';
    const files = [`${dir}/bridge.pcap`, `${dir}/director.pcap`, `${dir}/rs2.pcap`];
    const r = await checkCaptures(files);
    const data = await collectLadders(files, r);
    const f = ladderFlows(r)[0]!;
    const frames = data.flows[ladderKey(f)]!.frames;
    const proof = r.findings[f.findings[0]!]!.frames[0]!;
    const drawn = frames.find((x) => x.capture === proof.capture && x.frame === proof.frame)!;
    expect(drawn).toBeDefined();
    // The director's copy to the RS is in all three captures: one entry, two more references.
    expect(drawn.alsoIn?.map((x) => x.capture).sort()).toEqual([0, 2]);
    const keys = frames.map((x) => `${x.srcMac} ${x.dstMac} ${x.time.slice(0, 14)}`);
    expect(new Set(keys).size).toBe(keys.length);
    const html = formatHtml(r, { ladders: data });
    expect(html).toContain(`director.pcap#${proof.frame}`);
    expect(html).toMatch(/also bridge\.pcap#\d+, rs2\.pcap#\d+|also rs2\.pcap#\d+, bridge\.pcap#\d+/);
  });

  it('collects nothing for a passing capture', async () => {
    const r = await checkFixture('healthy/bridge');
    expect(await collectLadders(paths(r), r)).toEqual({ maxFramesPerFlow: 40, flows: {} });
  });
});
