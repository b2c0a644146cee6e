/**
 * The dev-set tests' metrics are the host tools' metrics (tools/eval/metrics.ts): one
 * implementation, so `arcedge eval` and these tests cannot drift apart.
 */
export { acceptRate, aucMannWhitney, distribution, thresholdAtFar, type Distribution } from '../../tools/eval/metrics.ts';
