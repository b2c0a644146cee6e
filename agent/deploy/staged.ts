/**
 * A transfer the receiver finished: <dataDir>/incoming/<id>/transfer.json (written last, by
 * rename, once the whole file arrived with the sha256 the host declared) beside package/ (a
 * model package) or gallery.db (a host-built gallery). Anything else is not staged.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ArcEdgeError, ID_PATTERN } from '../../sdk/index.ts';

const TransferSchema = z
  .object({
    kind: z.enum(['model-package', 'gallery']).describe('what was sent'),
    name: z.string().describe('package or gallery name, as the host named it'),
    bytes: z.number().int().nonnegative().describe('size of the transferred file'),
    sha256: z.string().describe('sha256 of the transferred file'),
    complete: z.literal(true).describe('written only once everything arrived and matched'),
  })
  .passthrough();

export interface StagedTransfer {
  readonly id: string;
  readonly kind: 'model-package' | 'gallery';
  readonly name: string;
  /** package/ for a model package, gallery.db for a gallery. */
  readonly path: string;
  readonly dir: string;
}

export const incomingDir = (dataDir: string, id: string): string => join(dataDir, 'incoming', id);

export function readStaged(dataDir: string, id: string): StagedTransfer {
  const dir = incomingDir(dataDir, id);
  const notStaged = (why: string) =>
    new ArcEdgeError('DEPLOY_NOT_STAGED', `transfer ${id} is not ready to apply: ${why}`, {
      fix: 'send it (again) with `arcedge deploy` / `arcedge gallery push`; they resume a partial transfer',
      details: { transfer: id },
    });
  if (!ID_PATTERN.test(id) || /^\.+$/.test(id)) throw notStaged('not a valid transfer id');
  const file = join(dir, 'transfer.json');
  if (!existsSync(file)) throw notStaged(existsSync(dir) ? 'it is still being received (no transfer.json yet)' : 'nothing was received under this id');
  let parsed;
  try {
    parsed = TransferSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    throw notStaged('transfer.json is not JSON');
  }
  if (!parsed.success) throw notStaged(`transfer.json is invalid (${parsed.error.issues.map((i) => i.path.join('.')).join(', ')})`);
  const path = join(dir, parsed.data.kind === 'gallery' ? 'gallery.db' : 'package');
  if (!existsSync(path)) throw notStaged(`${path} is missing`);
  return { id, kind: parsed.data.kind, name: parsed.data.name, path, dir };
}

/** The staging folder goes once its content is applied or refused for good. */
export function removeStaged(staged: StagedTransfer): void {
  rmSync(staged.dir, { recursive: true, force: true });
}
