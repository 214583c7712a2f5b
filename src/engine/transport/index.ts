// Reliable multicast transport: one sender, many receivers, one verified image.
export { send, prepareManifest, DEFAULT_K, DEFAULT_SYMBOL_SIZE, ENCRYPTED_SYMBOL_SIZE, type Pacer, type PeerCounts, type SendOptions, type SendProgress, type SendSummary, type ReceiverResult, type PrepareOptions, type PreparedManifest } from './sender.js';
export { receive, discardPartialOutput, partialOutputFiles, readPartialOutput, type PartialOutput, type ReceiveOptions, type ReceiveProgress, type ReceiveSummary, type ReceiveCounters } from './receiver.js';
export { parseRate, resolveInterface, ipv4InterfaceNames, impairmentFromEnv, type Impairment } from './net.js';
export { KEY_BYTES } from './cipher.js';
export { MAX_K } from './fec.js';
export { ANNOUNCE_GROUP, ANNOUNCE_PORT, DEFAULT_GROUP, DEFAULT_PORT } from './wire.js';
