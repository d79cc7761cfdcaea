export { UtpEndpoint } from './UtpEndpoint.js';
export { UtpSocket } from './UtpSocket.js';
export { UtpConnectionError, UtpPacketError } from './errors.js';
export { HEADER_LENGTH, PacketType, decodePacket, encodeHeader, seqDistance } from './packet.js';
export type { UtpEndpointOptions } from './UtpEndpoint.js';
export type { SendBudget } from './UtpSocket.js';
export type { UtpHeaderFields, UtpPacket } from './packet.js';
