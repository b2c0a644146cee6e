/** Where an encryption key comes from: the option, $ARCEDGE_GALLERY_KEY, or a 0600 key file. */
import { readFileSync, statSync } from 'node:fs';
import { ArcEdgeError } from '../errors.ts';
import { KEY_ENV, KEY_FILE_ENV } from './defaults.ts';

export function resolveKey(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (option !== undefined) return checkKey(option, 'the key option');
  if (env[KEY_ENV]) return checkKey(env[KEY_ENV], `$${KEY_ENV}`);
  const file = env[KEY_FILE_ENV];
  if (!file) return undefined;
  let mode: number;
  try {
    mode = statSync(file).mode & 0o777;
  } catch (error) {
    throw new ArcEdgeError('CONFIG_INVALID', `$${KEY_FILE_ENV} names ${file}, which cannot be read: ${(error as Error).message}`, {
      fix: `create it (umask 077; head -c 32 /dev/urandom | base64 > ${file}) or unset ${KEY_FILE_ENV}`,
      cause: error,
    });
  }
  if ((mode & 0o077) !== 0) {
    throw new ArcEdgeError('CONFIG_INVALID', `the key file ${file} is readable by others (mode ${mode.toString(8)})`, {
      fix: `chmod 600 ${file}: a key anyone can read protects nothing`,
      details: { file, mode: mode.toString(8) },
    });
  }
  return checkKey(readFileSync(file, 'utf8').trim(), file);
}

function checkKey(key: string, where: string): string {
  if (typeof key !== 'string' || key.length < 8) {
    throw new ArcEdgeError('CONFIG_INVALID', `the gallery key from ${where} is shorter than 8 characters`, {
      fix: 'use a long random key, e.g. `head -c 32 /dev/urandom | base64`',
    });
  }
  return key;
}
