/**
 * `arcedge gallery push <gallery.db> --device ... | --all`: the same chunked, resumable transfer
 * as `arcedge deploy`, kind gallery; the device's `apply` swaps it in (re-embedding it first when
 * the device runs another model). docs/deploy.md.
 */
import { defineCommand } from '../../cli/command.ts';
import { brokerOptions, checkTargets } from '../../deploy/cli-options.ts';
import { prepareGallery } from '../../deploy/prepare.ts';
import { ROLLOUT_OPTIONS, runRollout } from '../deploy.ts';

export const pushCommand = defineCommand({
  name: 'gallery push',
  summary: 'send a host-built gallery to devices over MQTT (chunked, resumable) and apply it there',
  args: '<gallery.db>',
  options: ROLLOUT_OPTIONS,
  positionals: { min: 1, max: 1 },
  run: async ({ values, positionals, json }) => {
    checkTargets(values);
    brokerOptions(values); // usage errors first
    const prepared = await prepareGallery(positionals[0]!);
    if (!json) console.error(`${prepared.file.name}: ${prepared.file.bytes} bytes`);
    return runRollout(prepared, values, json, 0, 0);
  },
});
