/**
 * Export and import: a gallery as JSON Lines, one record per line, so a big gallery streams and
 * a damaged line names itself. Line 1 is a header (format, version, metadata); then identities;
 * then templates with their embedding (float32, base64) and crop (raw BGR, base64). The file is
 * written 0600 and atomically: it holds biometric data.
 *
 * Import keeps identity ids and names; templates get new ids, and a template identical to one
 * already enrolled (re-importing the same file) is skipped as a near-duplicate.
 */
import { readFile } from 'node:fs/promises';
import { ArcEdgeError } from '../errors.ts';
import { writeFileAtomic } from '../storage/atomic-file.ts';
import { blobToVector, vectorToBlob } from './schema.ts';
import type { Gallery, GalleryMetadata } from './types.ts';

export const EXPORT_FORMAT = 'arcedge-gallery-export';
export const EXPORT_VERSION = 1;

interface HeaderLine { type: 'header'; format: string; version: number; metadata: GalleryMetadata }
interface IdentityLine { type: 'identity'; id: string; name: string; metadata: Record<string, unknown>; createdAt: string }
interface TemplateLine {
  type: 'template';
  identityId: string;
  modelId: string;
  quality: number;
  source: string;
  createdAt: string;
  embedding: string;
  crop: { width: number; height: number; bgr: string };
}

export interface ExportSummary {
  readonly path: string;
  readonly identities: number;
  readonly templates: number;
}

export async function exportGallery(gallery: Gallery, path: string): Promise<ExportSummary> {
  const lines: string[] = [];
  const header: HeaderLine = { type: 'header', format: EXPORT_FORMAT, version: EXPORT_VERSION, metadata: gallery.metadata() };
  lines.push(JSON.stringify(header));
  const identities = gallery.listIdentities();
  for (const i of identities) lines.push(JSON.stringify({ type: 'identity', id: i.id, name: i.name, metadata: i.metadata, createdAt: i.createdAt } satisfies IdentityLine));
  let templates = 0;
  for (const t of gallery.templates()) {
    const line: TemplateLine = {
      type: 'template',
      identityId: t.identityId,
      modelId: t.modelId,
      quality: t.quality,
      source: t.source,
      createdAt: t.createdAt,
      embedding: vectorToBlob(t.embedding).toString('base64'),
      crop: { width: t.crop.width, height: t.crop.height, bgr: Buffer.from(t.crop.data).toString('base64') },
    };
    lines.push(JSON.stringify(line));
    templates++;
  }
  await writeFileAtomic(path, `${lines.join('\n')}\n`, { mode: 0o600 });
  return { path, identities: identities.length, templates };
}

export interface ImportSummary {
  readonly identities: number;
  readonly createdIdentities: number;
  readonly templates: number;
  readonly skippedDuplicates: number;
}

/** The header of an export file (to create a gallery for the right model before importing). */
export async function readExportHeader(path: string): Promise<GalleryMetadata> {
  const text = await readExport(path);
  return parseHeader(text.slice(0, text.indexOf('\n') >>> 0), path).metadata;
}

async function readExport(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new ArcEdgeError('GALLERY_NOT_FOUND', `cannot read the export ${path}: ${(error as Error).message}`, { fix: 'check the path', cause: error });
  }
}

function parseHeader(line: string, path: string): HeaderLine {
  let header: HeaderLine | undefined;
  try {
    header = JSON.parse(line) as HeaderLine;
  } catch {
    header = undefined;
  }
  if (header?.type !== 'header' || header.format !== EXPORT_FORMAT) {
    throw new ArcEdgeError('GALLERY_CORRUPT', `${path} is not an arcedge gallery export (line 1 is not its header)`, { fix: 'pass a file written by `arcedge gallery export`' });
  }
  if (header.version > EXPORT_VERSION) throw new ArcEdgeError('GALLERY_OPEN_FAILED', `${path} is export version ${header.version}; this arcedge reads ${EXPORT_VERSION}`, { fix: 'upgrade arcedge' });
  return header;
}

/** Imports every identity and template; one transaction per identity. */
export async function importGallery(gallery: Gallery, path: string): Promise<ImportSummary> {
  const text = await readExport(path);
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const header = parseHeader(lines[0] ?? '', path);
  const target = gallery.metadata();
  if (header.metadata.modelId !== target.modelId || header.metadata.embeddingSize !== target.embeddingSize) {
    throw new ArcEdgeError('GALLERY_MODEL_MISMATCH', `${path} holds ${header.metadata.modelId} embeddings; the gallery holds ${target.modelId}`, {
      fix: `import into a gallery for ${header.metadata.modelId} (a new file is created for it), then re-embed it: arcedge gallery reembed`,
    });
  }
  const identities = new Map<string, IdentityLine>();
  const templates = new Map<string, TemplateLine[]>();
  lines.slice(1).forEach((l, n) => {
    let record: IdentityLine | TemplateLine;
    try {
      record = JSON.parse(l) as IdentityLine | TemplateLine;
    } catch {
      throw new ArcEdgeError('GALLERY_CORRUPT', `${path}: line ${n + 2} is not JSON; nothing was imported`, { fix: 'export the gallery again' });
    }
    if (record.type === 'identity') identities.set(record.id, record);
    else if (record.type === 'template') templates.set(record.identityId, [...(templates.get(record.identityId) ?? []), record]);
  });
  let created = 0, added = 0, skipped = 0;
  for (const [id, identity] of identities) {
    const list = templates.get(id) ?? [];
    if (list.length === 0) continue;
    const result = gallery.enroll(
      { id, name: identity.name, metadata: identity.metadata },
      list.map((t) => ({
        embedding: blobToVector(Buffer.from(t.embedding, 'base64')),
        crop: { width: t.crop.width, height: t.crop.height, data: new Uint8Array(Buffer.from(t.crop.bgr, 'base64')) },
        quality: t.quality,
        source: t.source,
      })),
      { duplicateThreshold: 0.9999 },
    );
    if (result.created) created++;
    added += result.added.length;
    skipped += result.skipped.length;
  }
  return { identities: identities.size, createdIdentities: created, templates: added, skippedDuplicates: skipped };
}
