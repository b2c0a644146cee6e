/** The contract suite against the SQLite gallery, in each storage precision and, when the cipher build is installed, encrypted. */
import { createRequire } from 'node:module';
import { openGallery } from '../../sdk/index.ts';
import { galleryContract } from './contract.ts';

galleryContract('SQLite, float32', openGallery);
galleryContract('SQLite, int8 matrix, trimmed mean', openGallery, { storage: 'int8', aggregation: 'trimmed-mean' });

const cipherInstalled = (() => {
  try {
    createRequire(import.meta.url).resolve('better-sqlite3-multiple-ciphers');
    return true;
  } catch {
    return false;
  }
})();
if (cipherInstalled) galleryContract('SQLite encrypted (SQLCipher 4)', openGallery, { key: 'contract-test-key-0123' });
