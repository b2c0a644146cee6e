/**
 * Ed25519 keys and signatures for model packages, through node:crypto only. Keys are PEM
 * (PKCS#8 private, SPKI public) so openssl reads them as they are; the private key file is
 * written 0600 by the CLI and never leaves the host.
 */
import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { ArcEdgeError } from '../errors.ts';

/** An Ed25519 key pair as PEM text. */
export interface SigningKeys {
  readonly privatePem: string;
  readonly publicPem: string;
}

/** A new Ed25519 key pair for signing model packages. */
export function generateSigningKeys(): SigningKeys {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** Raw Ed25519 signature (64 bytes) over exactly these bytes. */
export function signBytes(bytes: Uint8Array, privatePem: string): Buffer {
  let key;
  try {
    key = createPrivateKey(privatePem);
  } catch (cause) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `the signing key is not a PEM private key: ${(cause as Error).message}`, {
      cause,
      fix: 'pass the private.pem written by `arcedge keys generate`',
    });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new ArcEdgeError('INVALID_ARGUMENT', `the signing key is ${key.asymmetricKeyType}; packages are signed with Ed25519`, {
      fix: 'create a key pair with `arcedge keys generate`',
    });
  }
  return sign(null, bytes, key);
}
