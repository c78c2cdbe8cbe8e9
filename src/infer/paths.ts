/**
 * The MACs seen on each side of the conversations with one server endpoint, folded from every
 * flow (when it is released, or at the end). DR shows here even without director copies:
 * clients send to a MAC that never answers, requests arrive from a MAC that replies never go
 * to, or several MACs answer as one address. Sets only grow, so folding a flow twice is harmless.
 */
import type { Flow, LegList } from '../track/flow-state.js';
import { Direction } from '../track/flow-state.js';

export interface Layer2Path {
  ip: number;
  port: number;
  proto: number;
  /** Request destinations (the MAC clients send to). */
  sentTo: Set<number>;
  /** Request sources (client, or whoever re-sent the client's packet). */
  sentFrom: Set<number>;
  /** Senders of requests whose source IP is the client's (clients or their router). */
  clientSenders: Set<number>;
  repliesFrom: Set<number>;
  repliesTo: Set<number>;
  /** MACs that sent replies with the server's own address as source. */
  answering: Set<number>;
  /** Request source MAC -> the MACs it sent requests to (who re-sent to whom). */
  requestPairs: Map<number, Set<number>>;
  /** Cooked captures: MACs whose requests the capturing host received (no destination MAC recorded). */
  receivedFrom: Set<number>;
  /** Request source MAC -> the source addresses of the requests it sent (the first MAX_CLIENT_IPS). */
  carried: Map<number, Set<number>>;
  /** Flows folded, and of those the ones a client started inside the capture and the server answered. */
  flows: number;
  answeredFlows: number;
}

export interface PathVerdict {
  asymmetric: boolean;
  directorCandidates: number[];
  why: string;
}

const MAX_CLIENT_IPS = 64;

function isGroupMac(mac: number): boolean {
  return Math.floor(mac / 0x10000000000) % 2 === 1;
}

export class PathBook {
  readonly paths = new Map<string, Layer2Path>();
  /** The path folded last: most flows of a capture go to one service, so its key is rarely built. */
  private last: Layer2Path | null = null;

  fold(flow: Flow, legs: LegList): void {
    // A flow released before judging began is folded again at the end: once is enough.
    if (flow.folded) return;
    flow.folded = true;
    let p = this.last;
    if (p === null || p.ip !== flow.serverIp || p.port !== flow.serverPort || p.proto !== flow.proto) {
      p = this.pathOf(flow);
      this.last = p;
    }
    p.flows++;
    let answered = false;
    for (let i = 0; i < legs.count; i++) {
      const leg = legs.legs[i]!;
      if (leg.direction === Direction.Request) {
        if (leg.dstMac >= 0 && !isGroupMac(leg.dstMac)) p.sentTo.add(leg.dstMac);
        if (leg.srcMac >= 0) {
          p.sentFrom.add(leg.srcMac);
          if (leg.srcIp === flow.clientIp) p.clientSenders.add(leg.srcMac);
          let ips = p.carried.get(leg.srcMac);
          if (ips === undefined) p.carried.set(leg.srcMac, (ips = new Set()));
          if (ips.size < MAX_CLIENT_IPS) ips.add(leg.srcIp);
          if (leg.dstMac >= 0 && !isGroupMac(leg.dstMac)) {
            let to = p.requestPairs.get(leg.srcMac);
            if (to === undefined) p.requestPairs.set(leg.srcMac, (to = new Set()));
            to.add(leg.dstMac);
          } else if (leg.dstMac < 0 && !leg.outgoing) {
            p.receivedFrom.add(leg.srcMac);
          }
        }
      } else {
        answered = true;
        if (leg.srcMac >= 0) p.repliesFrom.add(leg.srcMac);
        if (leg.dstMac >= 0) p.repliesTo.add(leg.dstMac);
        if (leg.srcMac >= 0 && leg.srcIp === flow.serverIp) p.answering.add(leg.srcMac);
      }
    }
    if (answered && (flow.proto !== 6 || flow.sawSyn)) p.answeredFlows++;
  }

  private pathOf(flow: Flow): Layer2Path {
    const key = `${flow.serverIp}|${flow.serverPort}|${flow.proto}`;
    let p = this.paths.get(key);
    if (p === undefined) {
      p = {
        ip: flow.serverIp,
        port: flow.serverPort,
        proto: flow.proto,
        sentTo: new Set(),
        sentFrom: new Set(),
        clientSenders: new Set(),
        repliesFrom: new Set(),
        repliesTo: new Set(),
        answering: new Set(),
        requestPairs: new Map(),
        receivedFrom: new Set(),
        carried: new Map(),
        flows: 0,
        answeredFlows: 0,
      };
      this.paths.set(key, p);
    }
    return p;
  }
}

export function judgePath(p: Layer2Path): PathVerdict {
  const silentTarget = [...p.sentTo].filter((m) => !p.repliesFrom.has(m));
  const resender = [...p.sentFrom].filter((m) => !p.repliesTo.has(m));
  if (p.repliesFrom.size > 0 && silentTarget.length > 0) {
    return {
      asymmetric: true,
      directorCandidates: silentTarget,
      why: 'clients send to a MAC that never answers; replies come from other MACs (asymmetric path, no copies seen)',
    };
  }
  if (p.repliesTo.size > 0 && resender.length > 0) {
    return {
      asymmetric: true,
      directorCandidates: resender,
      why: 'requests arrive from a MAC that replies never go to (re-sent by a director; no copies seen)',
    };
  }
  if (p.answering.size >= 2) return { asymmetric: true, directorCandidates: [], why: `${p.answering.size} MACs answer as this one address` };
  return { asymmetric: false, directorCandidates: [], why: '' };
}
