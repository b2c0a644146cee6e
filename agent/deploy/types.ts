/**
 * The deploy side's types, in their own file so apply.ts, gallery-push.ts and reconcile.ts share
 * them without importing each other (apply.ts uses both of them).
 */
import type { AgentConfig } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import type { PipelineHost } from '../pipeline/pipeline-host.ts';

export type DeployState = 'applying' | 'applied' | 'refused' | 'failed' | 'rolled-back';

export interface DeployStatus {
  state: DeployState;
  package?: string;
  version?: number;
  transfer?: string;
  reason?: { code: string; message: string };
  ts: string;
}

export interface DeployAgent {
  readonly config: AgentConfig;
  readonly logger: Logger;
  readonly host: PipelineHost | undefined;
  /** The retained status changed (model, gallery or deploy): publish it. */
  statusChanged(): void;
}
