/** `arcedge gallery reembed --gallery <file> --models <set>`: every stored crop through a new recognizer. */
import { openGallery, reembedderOf } from '../../../sdk/index.ts';
import { defineCommand, EXIT, parsePositiveInt, UsageError } from '../../cli/command.ts';
import { createProgress } from '../../cli/progress.ts';
import { GALLERY_OPTION, KEY_HELP, loadPipeline, requireGallery } from './common.ts';

export const reembedCommand = defineCommand({
  name: 'gallery reembed',
  summary: 'recompute every template from its stored crop with the recognizer of --models; switch atomically when done',
  details: `The old generation keeps serving until every template is re-embedded; an interrupted run
(Ctrl-C, kill, power loss) is resumed by running the command again. The threshold falls back
to the new recognizer's recommended one: run \`arcedge gallery calibrate\` again afterwards.

${KEY_HELP}`,
  options: {
    gallery: GALLERY_OPTION,
    models: { type: 'string', valueName: 'set', description: 'model set holding the new recognizer (required)' },
    embedder: { type: 'string', valueName: 'id', description: 'recognizer id or file name, when the set holds several' },
    batch: { type: 'string', valueName: 'n', description: 'crops per batch; each batch is committed (default 32)' },
  },
  positionals: { max: 0 },
  async run({ values, json }) {
    const path = requireGallery(values.gallery);
    if (!values.models) throw new UsageError('--models <set> is required: the set with the new recognizer');
    const batchSize = parsePositiveInt('batch', values.batch);
    const gallery = await openGallery(path, { create: false });
    const pipeline = await loadPipeline(values.models, ['embed'], values);
    const before = gallery.metadata();
    const bar = createProgress({ label: 'reembed', total: before.templates, silent: json });
    const controller = new AbortController();
    const onSignal = (): void => controller.abort(new Error('interrupted: the old generation keeps serving; run the command again to resume'));
    process.once('SIGINT', onSignal);
    try {
      const result = await gallery.reembed(reembedderOf(pipeline), {
        ...(batchSize ? { batchSize } : {}),
        signal: controller.signal,
        onProgress: (p) => bar.update(p.done, { total: p.total }),
      });
      bar.stop();
      const after = gallery.metadata();
      if (json) console.log(JSON.stringify({ ...result, from: before.modelId, threshold: after.threshold, thresholdSource: after.thresholdSource }));
      else console.log(`re-embedded ${result.templates} templates (${result.resumed} resumed) from ${before.modelId} to ${result.modelId}; generation ${result.generation} now serves, threshold ${after.threshold} (${after.thresholdSource})`);
      return EXIT.OK;
    } finally {
      process.off('SIGINT', onSignal);
      bar.stop();
      gallery.close();
      await pipeline.dispose();
    }
  },
});
