/** `arcedge gallery export <file> | import <file>`: a gallery as JSON Lines (crops included). */
import { exportGallery, importGallery, openGallery, readExportHeader } from '../../../sdk/index.ts';
import { defineCommand, EXIT } from '../../cli/command.ts';
import { GALLERY_OPTION, KEY_HELP, requireGallery, withGallery } from './common.ts';

export const exportCommand = defineCommand({
  name: 'gallery export',
  summary: 'write every identity and template (embedding + crop) to a JSON Lines file (0600)',
  args: '<out.jsonl>',
  details: KEY_HELP,
  options: { gallery: GALLERY_OPTION },
  positionals: { min: 1, max: 1 },
  run: ({ values, positionals, json }) =>
    withGallery(values.gallery, false, async (gallery) => {
      const summary = await exportGallery(gallery, positionals[0]!);
      if (json) console.log(JSON.stringify(summary));
      else console.log(`exported ${summary.identities} identities, ${summary.templates} templates to ${summary.path}`);
      return EXIT.OK;
    }),
});

export const importCommand = defineCommand({
  name: 'gallery import',
  summary: 'import an export into a gallery (created for the export\'s model when missing); identical templates are skipped',
  args: '<in.jsonl>',
  details: KEY_HELP,
  options: { gallery: GALLERY_OPTION },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals, json }) {
    const header = await readExportHeader(positionals[0]!);
    const gallery = await openGallery(requireGallery(values.gallery), {
      model: {
        id: header.modelId,
        embeddingSize: header.embeddingSize,
        ...(header.thresholdSource === 'recognizer' ? { recommendedThreshold: header.threshold, ...(header.far ? { recommendedFar: header.far } : {}) } : {}),
      },
    });
    try {
      const summary = await importGallery(gallery, positionals[0]!);
      if (json) console.log(JSON.stringify(summary));
      else console.log(`imported ${summary.templates} templates into ${summary.identities} identities (${summary.createdIdentities} new); ${summary.skippedDuplicates} duplicates skipped`);
      return EXIT.OK;
    } finally {
      gallery.close();
    }
  },
});
