/** Public API of the decode layer. */
export { DecodedFrame, Layer, LayerName, Encapsulation, TcpFlag, SllPacketType } from './frame.js';
export type { LayerId, EncapsulationId } from './frame.js';
export { decodeFrame, LinkType } from './decoder.js';
export {
  formatMac,
  formatIpv4,
  formatIpv6,
  parseMac,
  parseIpv4,
  parseIpv6,
  formatTcpFlags,
  formatTimestamp,
  formatEpoch,
} from './format.js';
