/**
 * `arcedge-agent`: the device daemon (cameras in, recognition events out over MQTT).
 * The daemon itself is delivered by the agent issue; until then this entry point exists so
 * the package's second binary is built and installed, and says so instead of failing obscurely.
 */
const message = [
  'arcedge-agent: the device daemon is not part of this release yet.',
  'Use the SDK (import { createFaceAnalyzer } from "arcedge") or `arcedge demo <photos>` meanwhile.',
].join('\n');

console.error(message);
process.exitCode = 2;
