/**
 * The commands' view of a running agent: enroll/forget/list/snapshot go to the pipeline worker
 * (it owns the gallery and the frames), status is read here, reload asks the agent's owner.
 * A reload is carried out after its reply is published, so the sender always hears back.
 */
import { ArcEdgeError } from '../../sdk/index.ts';
import type { Agent } from '../agent.ts';
import type { CommandContext } from './handler.ts';

export function commandContext(agent: Agent, reload: (() => Promise<{ changed: string[]; apply: () => Promise<void> }>) | undefined): { ctx: CommandContext; afterReply: () => Promise<void> } {
  let after: (() => Promise<void>) | undefined;
  const host = () => {
    if (!agent.host) throw new ArcEdgeError('BACKEND_DISPOSED', 'the pipeline is restarting', { fix: 'retry in a few seconds' });
    return agent.host;
  };
  const deployer = () => {
    if (!agent.deployer) throw new ArcEdgeError('BACKEND_DISPOSED', 'the agent is restarting', { fix: 'retry in a few seconds' });
    return agent.deployer;
  };
  // Enrolling writes the serving gallery generation only: during an apply the new generation
  // would miss the face, so enroll and reload wait until the apply is done.
  const notApplying = (what: string) => {
    if (agent.deployer?.applying) throw new ArcEdgeError('DEPLOY_BUSY', `${what} is refused while a model or gallery is being applied`, { fix: 'retry after the apply reply (status deploy.state is no longer applying)' });
  };
  const galleryChanged = async () => {
    const h = host();
    if (h.serving) {
      h.serving = { ...h.serving, gallery: (await h.call('galleryInfo', {})) as NonNullable<typeof h.serving>['gallery'] };
      agent.statusChanged();
    }
  };
  const knownCamera = (camera: string) => {
    if (!agent.cameras.has(camera)) {
      throw new ArcEdgeError('CAMERA_UNKNOWN', `no camera "${camera}" on this device`, { details: { camera, cameras: [...agent.cameras.keys()] } });
    }
  };
  const ctx: CommandContext = {
    maxPayloadBytes: agent.config.commands.maxPayloadBytes,
    async enroll(params) {
      notApplying('enroll');
      if (params.camera) knownCamera(params.camera);
      const image = params.image;
      const transfer = image ? [image.buffer as ArrayBuffer] : [];
      const payload = image ? { ...params, image: new Uint8Array(image.buffer as ArrayBuffer, image.byteOffset, image.byteLength) } : params;
      const result = await host().call('enroll', payload, { ...(params.camera ? { camera: params.camera } : {}), transfer: image && image.byteOffset === 0 && image.byteLength === image.buffer.byteLength ? transfer : [] });
      await host().refreshOthers(params.camera);
      await galleryChanged();
      return result;
    },
    async forget(personId) {
      const result = await host().call('forget', { personId });
      await host().refreshOthers(undefined);
      await galleryChanged();
      return result;
    },
    list: () => host().call('list', {}),
    async snapshot(camera, annotate) {
      knownCamera(camera);
      return host().call('snapshot', { camera, annotate }, { camera });
    },
    status: () => ({
      device: agent.config.device.id,
      uptimeSec: Math.round((Date.now() - agent.startedAt) / 1000),
      broker: agent.brokerUrl,
      models: agent.host?.models,
      model: agent.deployer?.modelStatus(),
      gallery: agent.host?.serving?.gallery,
      deploy: agent.deployer?.status,
      threshold: agent.host?.threshold,
      cameras: [...agent.cameraStatus.values()],
      pendingEvents: agent.outbox.pendingFiles().length,
    }),
    transfer: (command) => agent.transfers.run(command),
    apply: (transfer) => deployer().apply(transfer),
    rollback: () => deployer().rollback(),
    async reload() {
      notApplying('reload');
      if (!reload) throw new ArcEdgeError('CONFIG_INVALID', 'this agent was started without a config file, so there is nothing to reload', { fix: 'start it with --config <file>' });
      const { changed, apply } = await reload(); // validates the file; throws CONFIG_INVALID with every problem
      if (changed.length > 0) after = apply;
      return { reloaded: changed.length > 0, changed };
    },
  };
  return { ctx, afterReply: async () => after?.() };
}
