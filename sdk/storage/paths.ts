/**
 * Where arcedge keeps things on disk, in one place: models and TensorRT engines move together
 * with ARCEDGE_HOME.
 *
 *   $ARCEDGE_HOME                 default $XDG_CACHE_HOME/arcedge, else ~/.cache/arcedge
 *   $ARCEDGE_HOME/models/         verified model files (sdk/models/cache.ts lays them out)
 *   $ARCEDGE_HOME/tensorrt/       TensorRT engines + timing caches; $ARCEDGE_ENGINE_CACHE overrides
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export function arcedgeHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.ARCEDGE_HOME || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'arcedge'));
}

export function modelCacheDir(home: string = arcedgeHome()): string {
  return join(home, 'models');
}

/** Engines are per device (GPU + TensorRT version), so they get their own override too. */
export function engineCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ARCEDGE_ENGINE_CACHE) return resolve(env.ARCEDGE_ENGINE_CACHE);
  return join(arcedgeHome(env), 'tensorrt');
}
