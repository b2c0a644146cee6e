/**
 * `arcedge keys generate --out <dir>`: an Ed25519 key pair for signing model packages.
 * private.pem is written 0600 (and refused if it already exists: overwriting a signing key
 * would orphan every device that trusts it); public.pem goes into each agent's config.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateSigningKeys } from '../../sdk/index.ts';
import { defineCommand, defineGroup, EXIT, UsageError } from '../cli/command.ts';

export const keysCommand = defineGroup({
  name: 'keys',
  summary: 'signing keys for model packages',
  subcommands: {
    generate: defineCommand({
      name: 'keys generate',
      summary: 'write an Ed25519 key pair: private.pem (0600, keep it on the host) and public.pem (give it to devices)',
      options: { out: { type: 'string', valueName: 'dir', description: 'folder for private.pem and public.pem (created 0700)' } },
      positionals: { max: 0 },
      run: ({ values, json }) => {
        if (!values.out) throw new UsageError('--out <dir> is required');
        const dir = resolve(values.out);
        const privatePath = join(dir, 'private.pem');
        const publicPath = join(dir, 'public.pem');
        if (existsSync(privatePath)) {
          console.error(`arcedge keys generate: ${privatePath} already exists; refusing to overwrite a signing key (devices trust its public half)`);
          return EXIT.FAILURE;
        }
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const keys = generateSigningKeys();
        // flag 'wx': fail rather than follow a file someone created in between.
        writeFileSync(privatePath, keys.privatePem, { mode: 0o600, flag: 'wx' });
        writeFileSync(publicPath, keys.publicPem, { mode: 0o644 });
        if (json) console.log(JSON.stringify({ private: privatePath, public: publicPath }));
        else console.log(`wrote ${privatePath} (0600) and ${publicPath}`);
        return EXIT.OK;
      },
    }),
  },
});
