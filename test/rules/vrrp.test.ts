/**
 * The VRRP rules, RuleTester-style, on adverts built frame by frame: what the keepalived lab
 * cannot produce (unicast peers, tracking ranges, a priority outside the config, the exact
 * thresholds) and the valid cases next to each failure. The lab's real keepalived captures are
 * checked in test/check (modes, IPVS fixtures).
 */
import { describe, expect, it } from 'vitest';
import type { VrrpInstance } from '../../src/topology/topology.js';
import { adverts, arpReply, arpRequest, CLIENT, DIRECTOR, frameAt, gratuitousArp, RS1, T0, VIP, vrrpAdvert, type Host, type TestFrame } from '../support/packets.js';
import { expectRule, runRule } from './rule-tester.js';

const DIR2: Host = { ip: '192.168.188.109', mac: '00:0c:29:50:d5:64' };
const VIP2 = '192.168.188.121';
const V51 = { vrid: 51, priority: 150, addresses: [VIP] };
const V51B = { vrid: 51, priority: 100, addresses: [VIP] };

/** Frames in time order, numbered as Wireshark numbers them. */
function capture(...parts: (TestFrame | TestFrame[])[]): TestFrame[] {
  return parts.flat().sort((a, b) => a.tsSeconds - b.tsSeconds || a.tsNanos - b.tsNanos);
}

function at(seconds: number, data: Uint8Array, note: string): TestFrame {
  return frameAt(data, T0 + Math.floor(seconds), Math.round((seconds % 1) * 1e9), note);
}

/** 1-based number of the frame with this note. */
function no(frames: readonly TestFrame[], note: string): number {
  const i = frames.findIndex((f) => f.note === note);
  if (i < 0) throw new Error(`no frame ${note}`);
  return i + 1;
}

function instance(o: Partial<VrrpInstance> & { config: string }): VrrpInstance {
  return {
    name: 'VI_1',
    where: `${o.config}:4`,
    vrid: 51,
    version: 2,
    family: 'ipv4',
    state: 'BACKUP',
    priority: 100,
    priorityRange: [100, 100],
    advertIntervalCentis: 100,
    vips: [VIP],
    excludedVips: [],
    interface: 'eth0',
    unicastPeers: [],
    authType: 'none',
    nopreempt: false,
    ...o,
  };
}

describe('vrrp-split-brain', () => {
  it('valid: one MASTER advertising', async () => {
    await expectRule('vrrp-split-brain', { name: 'alone', frames: adverts(DIRECTOR, V51, 0, 10) });
  });

  it('valid: a takeover and a preemption overlap by one advert at most', async () => {
    // DIR2 takes over 3.6 s after DIRECTOR's last advert, then DIRECTOR preempts it back: its
    // first advert comes 0.4 s after DIR2's last, which stops on hearing it.
    const frames = capture(adverts(DIRECTOR, V51, 0, 5), adverts(DIR2, V51B, 7.6, 8), adverts(DIRECTOR, V51, 15, 5));
    await expectRule('vrrp-split-brain', { name: 'takeover', frames });
  });

  it('valid: two virtual routers, each with its own MASTER (active/active)', async () => {
    const frames = capture(adverts(DIRECTOR, V51, 0, 10), adverts(DIR2, { vrid: 52, priority: 150, addresses: [VIP2] }, 0.3, 10));
    await expectRule('vrrp-split-brain', { name: 'active/active', frames });
  });

  it('the threshold: two adverts each while the other is live is a transition, three a split brain', async () => {
    // DIR2 at 3.3, 4.3 (5.3) s, DIRECTOR at 4, 5 (6) s while the other is live.
    const two = capture(adverts(DIRECTOR, V51, 0, 6), adverts(DIR2, V51B, 3.3, 2));
    await expectRule('vrrp-split-brain', { name: 'two each', frames: two });
    const three = capture(adverts(DIRECTOR, V51, 0, 7), adverts(DIR2, V51B, 3.3, 3));
    await expectRule('vrrp-split-brain', { name: 'three each', frames: three, errors: [{ messageId: 'both', frames: [no(three, 'advert 192.168.188.109 #1'), no(three, 'advert 192.168.188.108 #5')] }] });
  });

  it('invalid: both advertise the same VRID; the cause named from the adverts', async () => {
    const frames = capture(adverts(DIRECTOR, V51, 0, 10), adverts(DIR2, V51B, 2.2, 8));
    const r = await expectRule('vrrp-split-brain', {
      name: 'firewall',
      frames,
      errors: [{ messageId: 'both', frames: [no(frames, 'advert 192.168.188.109 #1'), no(frames, 'advert 192.168.188.108 #4')] }],
    });
    expect(r.findings[0]!.data.cause).toMatch(/the adverts agree .* dropped by a firewall on the directors/);
    expect(r.findings[0]!.severity).toBe('error');
  });

  const causes: [string, Parameters<typeof vrrpAdvert>[1], RegExp][] = [
    ['another VRID', { vrid: 52, priority: 100, addresses: [VIP] }, /virtual_router_id differ \(51 from 192\.168\.188\.108, 52 from 192\.168\.188\.109\)/],
    ['unicast on one side', { ...V51B, dst: DIRECTOR.ip }, /192\.168\.188\.109 advertises to the unicast peer 192\.168\.188\.108.*unicast_peer is set on one side only/],
    ['another interval', { ...V51B, interval: 2 }, /advert_int differ \(1 s and 2 s\)/],
    ['other addresses', { ...V51B, addresses: [VIP, VIP2] }, /virtual_ipaddress lists differ/],
    ['another version', { ...V51B, version: 3, interval: 100 }, /one speaks VRRPv2, the other VRRPv3/],
    ['authentication on one side', { ...V51B, authType: 1 }, /authentication differs/],
    ['a TTL below 255', { ...V51B, ttl: 254 }, /TTL 254, not 255/],
  ];
  for (const [name, other, cause] of causes) {
    it(`invalid: split brain, cause: ${name}`, async () => {
      const frames = capture(adverts(DIRECTOR, V51, 0, 10), adverts(DIR2, other, 2.2, other.interval === 2 ? 4 : 8, other.interval === 2 ? 2 : 1));
      const r = await runRule('vrrp-split-brain', { name, frames });
      expect(r.findings.map((f) => f.messageId)).toEqual(['both']);
      expect(r.findings[0]!.data.cause).toMatch(cause);
    });
  }

  it('valid: the MASTER resigns (priority 0) and the BACKUP takes over at once', async () => {
    const frames = capture(adverts(DIRECTOR, V51, 0, 5), at(4.5, vrrpAdvert(DIRECTOR, { ...V51, priority: 0 }), 'resign'), adverts(DIR2, V51B, 4.6, 6));
    await expectRule('vrrp-split-brain', { name: 'resign', frames });
  });
});

describe('vrrp-config', () => {
  const dir1 = instance({ config: 'dir1.conf', state: 'MASTER', priority: 150, priorityRange: [150, 150] });
  const dir2 = instance({ config: 'dir2.conf' });

  it('valid: no keepalived.conf given, nothing to judge against', async () => {
    await expectRule('vrrp-config', { name: 'none', frames: adverts(DIR2, { vrid: 52, priority: 7, addresses: [VIP] }, 0, 3) });
  });

  it('valid: the adverts of both directors as their files say (a takeover included)', async () => {
    const frames = capture(adverts(DIRECTOR, V51, 0, 3), adverts(DIR2, V51B, 5.6, 3));
    await expectRule('vrrp-config', { name: 'as configured', frames, given: { vrrpInstances: [dir1, dir2] } });
  });

  it('valid: another virtual router on the segment (another VRID, other addresses) is not ours', async () => {
    const frames = adverts({ ip: '192.168.188.1', mac: '00:0c:29:aa:00:01' }, { vrid: 7, priority: 200, addresses: ['192.168.188.254'] }, 0, 3);
    await expectRule('vrrp-config', { name: 'router', frames, given: { vrrpInstances: [dir1] } });
  });

  const cases: [string, Parameters<typeof vrrpAdvert>[1], string][] = [
    ['the VIP under another VRID', { vrid: 52, priority: 150, addresses: [VIP] }, 'vrid'],
    ['another address list', { ...V51, addresses: [VIP, VIP2] }, 'addresses'],
    ['another interval', { ...V51, interval: 3 }, 'interval'],
    ['another version', { ...V51, version: 3, interval: 100 }, 'version'],
    ['authentication the file does not have', { ...V51, authType: 1 }, 'auth'],
  ];
  for (const [name, wire, messageId] of cases) {
    it(`invalid: ${name}`, async () => {
      const frames = adverts(DIRECTOR, wire, 0, 3);
      const r = await expectRule('vrrp-config', { name, frames, given: { vrrpInstances: [dir1] }, errors: [{ messageId, frames: [1] }] });
      expect(r.findings[0]!.severity).toBe('error');
    });
  }

  it('invalid (warning): a priority the file does not allow; tracking ranges are allowed', async () => {
    const r = await expectRule('vrrp-config', { name: 'priority', frames: adverts(DIRECTOR, { ...V51, priority: 120 }, 0, 3), given: { vrrpInstances: [dir1] }, errors: [{ messageId: 'priority', frames: [1] }] });
    expect(r.findings[0]!.severity).toBe('warning');
    const tracked = instance({ config: 'dir1.conf', priority: 150, priorityRange: [90, 210] });
    await expectRule('vrrp-config', { name: 'tracked', frames: capture(adverts(DIRECTOR, V51, 0, 3), adverts(DIRECTOR, { ...V51, priority: 90 }, 3, 3)), given: { vrrpInstances: [tracked] } });
  });

  it("priorities are matched one director to one file: two senders at 150 and one file allowing only 100", async () => {
    const frames = capture(adverts(DIRECTOR, V51, 0, 3), adverts(DIR2, V51, 5.6, 3));
    await expectRule('vrrp-config', { name: 'both 150', frames, given: { vrrpInstances: [dir1, dir2] }, errors: [{ messageId: 'priority', frames: [4] }] });
    // With one director's file only, the other's priority is nobody's to judge.
    await expectRule('vrrp-config', { name: 'one file', frames: capture(adverts(DIRECTOR, V51, 0, 3), adverts(DIR2, V51B, 5.6, 3)), given: { vrrpInstances: [dir1] } });
  });

  it('invalid: two directors\' files describe one virtual router differently', async () => {
    const other = instance({ config: 'dir2.conf', vrid: 52, advertIntervalCentis: 200 });
    const frames = capture(adverts(DIRECTOR, V51, 0, 3), adverts(DIR2, { vrid: 52, priority: 100, addresses: [VIP], interval: 2 }, 5.6, 3, 2));
    const r = await expectRule('vrrp-config', { name: 'files differ', frames, given: { vrrpInstances: [dir1, other] }, errors: [{ messageId: 'configs', frames: [1, 4] }] });
    expect(r.findings[0]!.message).toContain('differ: virtual_router_id 51 and 52; advert_int 1 and 2');
  });
  it("invalid: the files differ in unicast_peer only; one advert of each director is cited, not one advert twice", async () => {
    const unicast = instance({ config: 'dir2.conf', sourceIp: DIR2.ip, unicastPeers: [DIRECTOR.ip] });
    const frames = capture(adverts(DIRECTOR, V51, 0, 3), adverts(DIR2, V51B, 5.6, 3));
    const r = await expectRule('vrrp-config', { name: 'unicast one side', frames, given: { vrrpInstances: [unicast, dir1] }, errors: [{ messageId: 'configs', frames: [4, 1] }] });
    expect(r.findings[0]!.message).toContain('(on the wire: frames 4 and 1)');
  });
});

describe('vrrp-silent-owner', () => {
  /** DIRECTOR advertises 0-4 s and stops (killed); DIR2 takes over at 7.6 s; a client asks for the VIP at 12 s. */
  function killed(directorAnswers: boolean): TestFrame[] {
    return capture(
      adverts(DIRECTOR, V51, 0, 5),
      adverts(DIR2, V51B, 7.6, 8),
      at(7.65, gratuitousArp(DIR2.mac, VIP), 'garp'),
      at(12, arpRequest(CLIENT, VIP), 'who-has'),
      at(12.0001, arpReply(DIR2, VIP, CLIENT), 'dir2 answers'),
      ...(directorAnswers ? [at(12.0002, arpReply(DIRECTOR, VIP, CLIENT), 'dir1 answers')] : []),
    );
  }

  it('valid: the MASTER answers; a stopped director that keeps quiet', async () => {
    await expectRule('vrrp-silent-owner', { name: 'quiet', frames: killed(false) });
    const answering = capture(adverts(DIRECTOR, V51, 0, 5), at(2.5, arpRequest(CLIENT, VIP), 'who-has'), at(2.5001, arpReply(DIRECTOR, VIP, CLIENT), 'answer'));
    await expectRule('vrrp-silent-owner', { name: 'master answers', frames: answering });
  });

  it('invalid: a director whose adverts stopped answers for the VIP while another advertises', async () => {
    const frames = killed(true);
    const r = await expectRule('vrrp-silent-owner', { name: 'left behind', frames, errors: [{ messageId: 'silent', frames: [no(frames, 'dir1 answers')] }] });
    expect(r.findings[0]!.message).toMatch(/its last advert was frame 5, 8\.0 s earlier, with no priority-0 advert/);
  });

  it('invalid: it resigned (priority 0) and kept the VIP', async () => {
    const frames = capture(
      adverts(DIRECTOR, V51, 0, 5),
      at(4.5, vrrpAdvert(DIRECTOR, { ...V51, priority: 0 }), 'resign'),
      adverts(DIR2, V51B, 4.6, 10),
      at(10, arpRequest(CLIENT, VIP), 'who-has'),
      at(10.0001, arpReply(DIRECTOR, VIP, CLIENT), 'dir1 answers'),
    );
    const r = await expectRule('vrrp-silent-owner', { name: 'resigned', frames, errors: [{ messageId: 'silent', frames: [no(frames, 'dir1 answers')] }] });
    expect(r.findings[0]!.message).toContain('after which it resigned (priority 0) yet kept the VIP');
  });

  it('valid: nobody else advertises (the claim has no rival MASTER)', async () => {
    const frames = capture(adverts(DIRECTOR, V51, 0, 5), at(12, arpRequest(CLIENT, VIP), 'who-has'), at(12.0001, arpReply(DIRECTOR, VIP, CLIENT), 'late answer'));
    await expectRule('vrrp-silent-owner', { name: 'alone', frames });
  });

  it("valid: a real server answering is the RS rules' business, not this one's, even one that runs VRRP for something else", async () => {
    const frames = capture(
      adverts(DIR2, V51B, 0, 10),
      adverts(RS1, { vrid: 60, priority: 100, addresses: ['192.168.188.200'] }, 0.5, 10),
      at(5, arpRequest(CLIENT, VIP), 'who-has'),
      at(5.0001, arpReply(RS1, VIP, CLIENT), 'rs answers'),
    );
    await expectRule('vrrp-silent-owner', { name: 'rs', frames, given: { realServers: [{ ip: RS1.ip, mac: RS1.mac }] } });
  });

  it('invalid: a given director that never advertises announces the VIP while another is MASTER', async () => {
    const frames = capture(adverts(DIR2, V51B, 0, 10), at(5, gratuitousArp(DIRECTOR.mac, VIP), 'arping -U'));
    await expectRule('vrrp-silent-owner', { name: 'by hand', frames, given: { directorMacs: [DIRECTOR.mac] }, errors: [{ messageId: 'silent', frames: [no(frames, 'arping -U')] }] });
  });
});

describe('the timeline of a keepalived failover', () => {
  it('MASTER, priority change, silence, takeover with its gratuitous ARPs, failback', async () => {
    const frames = capture(
      adverts(DIRECTOR, V51, 0, 3, 1, 'p150'),
      adverts(DIRECTOR, { ...V51, priority: 90 }, 3, 3, 1, 'p90'),
      adverts(DIR2, V51B, 8.6, 5, 1, 'dir2'),
      [0, 0.01, 0.02].map((d, i) => at(8.65 + d, gratuitousArp(DIR2.mac, VIP), `garp ${i}`)),
      adverts(DIRECTOR, V51, 13.9, 5, 1, 'back'),
    );
    const r = await runRule('vrrp-split-brain', { name: 'timeline', frames });
    const vrrp = r.timeline.filter((e) => e.kind.startsWith('vrrp') || e.kind === 'garp').map((e) => `${e.kind} ${e.frame.frame}`);
    const f = (note: string): number => no(frames, note);
    expect(vrrp).toEqual([
      `vrrp-adverts ${f('p150 192.168.188.108 #1')}`,
      `vrrp-prio ${f('p90 192.168.188.108 #1')}`,
      `vrrp-silent ${f('p90 192.168.188.108 #3')}`,
      `vrrp-master ${f('dir2 192.168.188.109 #1')}`,
      `garp ${f('garp 0')}`,
      `vrrp-silent ${f('dir2 192.168.188.109 #5')}`,
      `vrrp-master ${f('back 192.168.188.108 #1')}`,
    ]);
    expect(r.timeline.find((e) => e.kind === 'vrrp-prio')!.note).toContain('priority for VRID 51 150 → 90');
    expect(r.timeline.find((e) => e.kind === 'garp')!.note).toMatch(/3 gratuitous ARPs \(frames \d+–\d+\), 0\.1 s after its first advert as MASTER of VRID 51/);
    expect(r.timeline.find((e) => e.kind === 'vrrp-master')!.note).toContain('3.6 s after the last advert of 00:0c:29:50:d5:63 (192.168.188.108)');
  });
});
