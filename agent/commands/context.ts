/**
 * The commands' view of a running agent, shared by MQTT commands and the web API:
 * enroll/forget/list/snapshot (and the web's people/crop/rename/merge/removeTemplate) go to
 * the pipeline worker (it owns the gallery and the frames), events and erasure records to the
 * event store, status is read here, reload asks the agent's owner.
 * A reload is carried out after its reply is published, so the sender always hears back.
 */
import { ArcEdgeError, type EventsPage, type EventsQuery } from '../../sdk/index.ts';
import type { PersonDetails } from '../pipeline/gallery-port.ts';
import type { EnrollFaceParams, FoundFace } from '../pipeline/face-types.ts';
import type { AgentView } from '../agent-view.ts';
import { localStatus } from '../status.ts';
import type { CommandContext } from './handler.ts';
import { purgePreviousGallery } from '../deploy/gallery-previous.ts';

/** What the web API needs beyond the MQTT commands. */
export interface GalleryContext {
  people(): Promise<PersonDetails[]>;
  crop(personId: string, templateId: string): Promise<Buffer>;
  rename(personId: string, name: string): Promise<unknown>;
  merge(personId: string, into: string): Promise<unknown>;
  removeTemplate(personId: string, templateId: string): Promise<unknown>;
  /** Every face of a camera's latest frame or of a photo, frozen (agent/pipeline/worker-faces.ts). */
  faces(from: { camera: string } | { image: Uint8Array }): Promise<FacesResult>;
  /** Saves one frozen face; FACE_CONFLICT unless it is who it is said to be (or confirm). */
  enrollFace(params: EnrollFaceParams): Promise<unknown>;
}

export interface FacesResult {
  readonly width: number;
  readonly height: number;
  readonly frameJpeg: string;
  readonly threshold: number;
  readonly faces: FoundFace[];
}

export function commandContext(agent: AgentView, reload: (() => Promise<{ changed: string[]; apply: () => Promise<void> }>) | undefined): { ctx: CommandContext & GalleryContext; afterReply: () => Promise<void> } {
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
      h.servingChanged({ serving: { ...h.serving, gallery: await h.call('galleryInfo', {}) } });
      agent.statusChanged();
    }
  };
  const knownCamera = (camera: string) => {
    if (!agent.cameras.has(camera)) {
      throw new ArcEdgeError('CAMERA_UNKNOWN', `no camera "${camera}" on this device`, { details: { camera, cameras: [...agent.cameras.keys()] } });
    }
  };
  const store = () => {
    if (!agent.eventsStore) throw new ArcEdgeError('EVENTS_STORE_FAILED', 'this agent keeps no event history', { fix: 'set events.store: true in the agent config (the default)' });
    return agent.eventsStore;
  };
  // A gallery change in one worker is picked up by the others before the caller hears back.
  const changed = async <T>(result: Promise<T>): Promise<T> => {
    const value = await result;
    await host().refreshOthers(undefined);
    await galleryChanged();
    return value;
  };
  const ctx: CommandContext & GalleryContext = {
    maxPayloadBytes: agent.config.commands.maxPayloadBytes,
    async enroll(params) {
      notApplying('enroll');
      if (params.camera) knownCamera(params.camera);
      // The image bytes cross to the pipeline process as a Uint8Array (structured clone).
      const result = await host().call('enroll', params, params.camera ? { camera: params.camera } : {});
      await host().refreshOthers(params.camera);
      if (params.source?.startsWith('event:')) {
        const person = result as { id?: string; name?: string };
        agent.eventsStore?.claimEvent(params.source.slice('event:'.length), { id: person.id ?? params.personId, name: person.name ?? params.name });
      }
      await galleryChanged();
      return result;
    },
    async forget(personId, actor = 'unknown') {
      const { templates } = await changed(host().call('forget', { personId }));
      const record = agent.eventsStore?.forgetPerson(personId, actor, templates) ?? { snapshots: 0, events: 0 };
      const previousPurged = purgePreviousGallery(agent.config.gallery); // it still holds the person
      agent.logger.log('info', 'person forgotten', { personId, actor, templates, snapshots: record.snapshots, events: record.events, previousPurged });
      return { personId, templates, snapshots: record.snapshots, events: record.events };
    },
    events: (query: EventsQuery): EventsPage => store().query(query),
    people: async () => (await host().call('people', {})).people,
    crop: async (personId, templateId) => Buffer.from((await host().call('crop', { personId, templateId })).jpeg),
    async rename(personId, name) {
      const person = await changed(host().call('rename', { personId, name }));
      agent.eventsStore?.relabel(personId, person);
      return person;
    },
    async merge(personId, into) {
      notApplying('merge'); // it enrolls the templates again: a generation being built would miss them
      const person = await changed(host().call('merge', { personId, into }));
      agent.eventsStore?.relabel(personId, person);
      return person;
    },
    async faces(from) {
      if ('camera' in from) {
        knownCamera(from.camera);
        return (await host().call('faces', from, { camera: from.camera })) as FacesResult;
      }
      return (await host().call('faces', from)) as FacesResult;
    },
    async enrollFace(params) {
      notApplying('enroll');
      const result = await changed(host().call('enrollFace', params));
      if (params.source.startsWith('event:')) {
        const person = (result as { person?: { id?: string; name?: string } }).person;
        agent.eventsStore?.claimEvent(params.source.slice('event:'.length), { id: person?.id ?? params.personId, name: person?.name ?? params.name });
      }
      return result;
    },
    removeTemplate: (personId, templateId) => changed(host().call('removeTemplate', { personId, templateId })),
    list: () => host().call('list', {}),
    async snapshot(camera, annotate) {
      knownCamera(camera);
      return host().call('snapshot', { camera, annotate }, { camera });
    },
    status: () => localStatus(agent),
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
