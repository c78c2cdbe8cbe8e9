/**
 * Every rule, in the order they run and are listed. The id of each equals its file name
 * (a test checks it), so `lvs-pcap explain <id>` and the sections of docs/rules.md line up.
 */
import type { Rule } from './define.js';
import clientBypass from './client-bypass.js';
import duplicateAddress from './duplicate-address.js';
import directorL2Only from './director-l2-only.js';
import flowAffinity from './flow-affinity.js';
import forwardedToKnownRs from './forwarded-to-known-rs.js';
import noReply from './no-reply.js';
import notForwarded from './not-forwarded.js';
import replyDirect from './reply-direct.js';
import replySrcVip from './reply-src-vip.js';
import rsArpAnnounceVip from './rs-arp-announce-vip.js';
import rsArpReplyVip from './rs-arp-reply-vip.js';
import rsNdVip from './rs-nd-vip.js';
import vipMacConflict from './vip-mac-conflict.js';
import vipOwnerChange from './vip-owner-change.js';
import vipUnreached from './vip-unreached.js';
import persistence from './persistence.js';
import quiescedRs from './quiesced-rs.js';
import rsShare from './rs-share.js';
import vrrpConfig from './vrrp-config.js';
import vrrpSilentOwner from './vrrp-silent-owner.js';
import vrrpSplitBrain from './vrrp-split-brain.js';
import rsHealth from './rs-health.js';

export const rules: readonly Rule[] = [
  directorL2Only,
  flowAffinity,
  forwardedToKnownRs,
  notForwarded,
  replySrcVip,
  replyDirect,
  noReply,
  clientBypass,
  rsArpReplyVip,
  rsArpAnnounceVip,
  rsNdVip,
  duplicateAddress,
  vipMacConflict,
  vipOwnerChange,
  rsShare,
  persistence,
  quiescedRs,
  vipUnreached,
  vrrpSplitBrain,
  vrrpConfig,
  vrrpSilentOwner,
  rsHealth,
] as readonly Rule[];

export function findRule(id: string): Rule | undefined {
  return rules.find((r) => r.id === id);
}

export type { Rule } from './define.js';
