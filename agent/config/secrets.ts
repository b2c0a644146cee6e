/**
 * Secrets (MQTT password, key passphrase, web password hash and bearer token) come from the environment or from files only a
 * single user can read; the config file itself never holds one, so it can be committed or
 * printed. Private key files are held to the same 0600 rule.
 */
import { readFileSync, statSync } from 'node:fs';
import type { AgentConfig, Secret } from './schema.ts';

function fileProblem(path: string, label: string): string | undefined {
  try {
    const mode = statSync(path).mode & 0o777;
    if ((mode & 0o077) !== 0) return `${label}: ${path} has mode 0${mode.toString(8)}; run chmod 600 ${path}`;
    return undefined;
  } catch (error) {
    return `${label}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
  }
}

function secretProblem(secret: Secret | undefined, label: string): string | undefined {
  if (!secret) return undefined;
  if ('env' in secret) return process.env[secret.env] === undefined ? `${label}: environment variable ${secret.env} is not set` : undefined;
  return fileProblem(secret.file, label);
}

/** Every problem with the config's secrets and key files (missing env var, readable by others). */
export function checkSecrets(config: AgentConfig): string[] {
  const tls = config.mqtt.tls;
  return [
    secretProblem(config.mqtt.password, 'mqtt.password'),
    ...(config.mqtt.embedded.users ?? []).map((u, i) => secretProblem(u.password, `mqtt.embedded.users[${i}].password`)),
    config.mqtt.embedded.usersFile ? fileProblem(config.mqtt.embedded.usersFile, 'mqtt.embedded.usersFile') : undefined,
    secretProblem(tls?.keyPassphrase, 'mqtt.tls.keyPassphrase'),
    tls?.key ? fileProblem(tls.key, 'mqtt.tls.key') : undefined,
    config.web?.passwordHashFile ? fileProblem(config.web.passwordHashFile, 'web.passwordHashFile') : undefined,
    config.web?.tokenFile ? fileProblem(config.web.tokenFile, 'web.tokenFile') : undefined,
    config.web?.tls ? fileProblem(config.web.tls.key, 'web.tls.key') : undefined,
  ].filter((p): p is string => p !== undefined);
}

/** Environment variables read as secrets; child processes never inherit them (agent/sources/child-env.ts). */
export const secretEnvNames = new Set<string>();

export function readSecret(secret: Secret): string {
  if ('env' in secret) {
    secretEnvNames.add(secret.env);
    return process.env[secret.env] ?? '';
  }
  return readFileSync(secret.file, 'utf8').replace(/\r?\n$/, '');
}

/** The config with every secret replaced by where it comes from, for --print-config and logs. */
export function maskSecrets(config: AgentConfig): unknown {
  const mask = (s: Secret | undefined) => (s ? `*** (from ${'env' in s ? `env ${s.env}` : `file ${s.file}`})` : undefined);
  const tls = config.mqtt.tls;
  return {
    ...config,
    mqtt: {
      ...config.mqtt,
      ...(config.mqtt.password ? { password: mask(config.mqtt.password) } : {}),
      ...(tls ? { tls: { ...tls, ...(tls.keyPassphrase ? { keyPassphrase: mask(tls.keyPassphrase) } : {}) } } : {}),
    },
    // A hash is not the password, but it can be attacked offline: not printed either.
    ...(config.web?.passwordHash ? { web: { ...config.web, passwordHash: 'scrypt$*** (set)' } } : {}),
  };
}
