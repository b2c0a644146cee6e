/**
 * Reads an agent config file (YAML or JSON: YAML 1.2 is a superset of JSON, one parser reads
 * both), validates it against AgentConfigSchema, and reports every problem at once, each with
 * its path, as one CONFIG_INVALID error. Relative paths resolve against the config file's folder.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ArcEdgeError } from '../../sdk/index.ts';
import { AgentConfigSchema, type AgentConfig } from './schema.ts';
import { checkSecrets } from './secrets.ts';
import { withCameraSettings } from './camera-settings.ts';

export interface LoadedConfig {
  readonly config: AgentConfig;
  readonly path: string | undefined;
  /** Folder that relative paths in the config are resolved against. */
  readonly baseDir: string;
}

/** `cameras.0.source: message` lines, one per zod issue. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
    return `${path}: ${issue.message}`;
  });
}

export function invalidConfig(where: string, problems: readonly string[]): ArcEdgeError {
  return new ArcEdgeError('CONFIG_INVALID', `${where}: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${p}`).join('\n')}`, {
    fix: 'fix every problem listed; docs/agent-config.md documents each field (unknown keys are rejected)',
    details: { problems },
  });
}

/**
 * Validates an already parsed object (the config file's content, or one built in code).
 * `secrets: false` skips the secret checks (env variables, 0600 files): they describe the device,
 * so a host checking a config before installing it (`arcedge flash`) cannot make them.
 */
export function parseConfig(raw: unknown, baseDir: string, where = 'agent config', options: { secrets?: boolean } = {}): AgentConfig {
  const result = AgentConfigSchema.safeParse(raw);
  if (!result.success) throw invalidConfig(where, formatIssues(result.error.issues));
  const config = resolvePaths(result.data, baseDir);
  if (options.secrets === false) return config;
  const secretProblems = checkSecrets(config);
  if (secretProblems.length > 0) throw invalidConfig(where, secretProblems);
  return config;
}

export function loadConfigFile(path: string, options: { secrets?: boolean } = {}): LoadedConfig {
  const absolute = resolve(path);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    throw new ArcEdgeError('CONFIG_INVALID', `cannot read the agent config ${absolute}: ${(error as Error).message}`, {
      fix: 'check the path given to --config and its permissions',
      cause: error,
    });
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw invalidConfig(absolute, doc.errors.map((e) => `line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`));
  }
  const baseDir = dirname(absolute);
  // Masks and minFacePx saved from the web UI (<dataDir>/camera-settings.json) win over the file's.
  return { config: withCameraSettings(parseConfig(doc.toJS(), baseDir, absolute, options)), path: absolute, baseDir };
}

function resolvePaths(config: AgentConfig, baseDir: string): AgentConfig {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const tls = config.mqtt.tls;
  return {
    ...config,
    gallery: abs(config.gallery),
    dataDir: abs(config.dataDir),
    deploy: { ...config.deploy, trustedKeys: config.deploy.trustedKeys.map(abs) },
    models: config.models.startsWith('local:') ? `local:${abs(config.models.slice('local:'.length))}` : config.models,
    mqtt: {
      ...config.mqtt,
      ...(config.mqtt.password && 'file' in config.mqtt.password ? { password: { file: abs(config.mqtt.password.file) } } : {}),
      embedded: {
        ...config.mqtt.embedded,
        ...(config.mqtt.embedded.usersFile ? { usersFile: abs(config.mqtt.embedded.usersFile) } : {}),
        ...(config.mqtt.embedded.users ? { users: config.mqtt.embedded.users.map((u) => ('file' in u.password ? { ...u, password: { file: abs(u.password.file) } } : u)) } : {}),
      },
      ...(tls
        ? {
            tls: {
              ...tls,
              ...(tls.ca ? { ca: abs(tls.ca) } : {}),
              ...(tls.cert ? { cert: abs(tls.cert) } : {}),
              ...(tls.key ? { key: abs(tls.key) } : {}),
              ...(tls.keyPassphrase && 'file' in tls.keyPassphrase ? { keyPassphrase: { file: abs(tls.keyPassphrase.file) } } : {}),
            },
          }
        : {}),
    },
    ...(config.web
      ? {
          web: {
            ...config.web,
            ...(config.web.passwordHashFile ? { passwordHashFile: abs(config.web.passwordHashFile) } : {}),
            ...(config.web.tokenFile ? { tokenFile: abs(config.web.tokenFile) } : {}),
            ...(config.web.tls ? { tls: { cert: abs(config.web.tls.cert), key: abs(config.web.tls.key) } } : {}),
          },
        }
      : {}),
    cameras: config.cameras.map((c) =>
      c.source.startsWith('file://') || c.source.startsWith('folder://')
        ? { ...c, source: c.source.replace(/^(file|folder):\/\/(.*)$/, (_m, scheme: string, p: string) => `${scheme}://${abs(p)}`) }
        : c,
    ),
  };
}
