/**
 * The browser tests' start-up, written once: a scratch folder, a real agent (child process) on
 * a clip with the web UI on a free port behind a random password, and headless Chromium, all
 * stopped after the file in reverse order. Each test adds only its cameras and what it checks.
 */
import { after } from 'node:test';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AgentProcess, TEST_MODELS, writeConfig } from '../agent/harness.ts';
import { repoRoot } from '../helpers/assets.ts';
import { freePort } from '../helpers/net.ts';
import { launchBrowser, type Page } from './browser.ts';
import { scryptHash, waitForHttp } from './page-checks.ts';

export interface BrowserScratch {
  /** test/.tmp/<name>, emptied first. */
  readonly dir: string;
  /** test-output/web/, shared by the browser tests: each writes its own file names only. */
  readonly shots: string;
  /** Runs `stop` after the file's tests, the last added first; a failing stop does not hide the others. */
  cleanup(stop: () => Promise<unknown>): void;
}

/** Call at the top of a test file: it registers the file's `after` hook. */
export function browserScratch(name: string): BrowserScratch {
  const dir = join(repoRoot, 'test', '.tmp', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const stops: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  });
  return { dir, shots: join(repoRoot, 'test-output', 'web'), cleanup: (stop) => void stops.push(stop) };
}

export interface BrowserAgentSettings {
  device: string;
  cameras: Record<string, unknown>[];
  metrics?: { intervalSec: number };
}

export class BrowserAgent {
  /** The running agent; start() replaces it (after the test killed it to restart it). */
  agent!: AgentProcess;

  private constructor(
    readonly base: string,
    readonly password: string,
    readonly configPath: string,
  ) {}

  /**
   * Writes the agent config under scratch.dir (gallery.db and data/ there, embedded broker,
   * one inference thread, no cooldown) and starts the agent; SIGKILLed after the file.
   */
  static async start(scratch: BrowserScratch, settings: BrowserAgentSettings): Promise<BrowserAgent> {
    const password = randomBytes(12).toString('base64url');
    const port = await freePort();
    const configPath = writeConfig(join(scratch.dir, 'agent.json'), {
      device: { id: settings.device },
      mqtt: { embedded: { host: '127.0.0.1', port: 0 } },
      models: TEST_MODELS(),
      inference: { backend: { threads: 1 } },
      gallery: join(scratch.dir, 'gallery.db'),
      dataDir: join(scratch.dir, 'data'),
      cameras: settings.cameras,
      recognition: { cooldownSec: 0 },
      ...(settings.metrics ? { metrics: settings.metrics } : {}),
      web: { listen: `127.0.0.1:${port}`, passwordHash: scryptHash(password) },
    });
    const web = new BrowserAgent(`http://127.0.0.1:${port}`, password, configPath);
    scratch.cleanup(() => web.agent.kill('SIGKILL'));
    await web.restart();
    return web;
  }

  /** Starts a new agent on the same config and waits until its web server answers. */
  async restart(): Promise<AgentProcess> {
    this.agent = new AgentProcess(this.configPath);
    await waitForHttp(`${this.base}/api/session`, 90_000).catch((e: Error) => {
      throw new Error(`${e.message}\nagent log:\n${this.agent.tail()}`);
    });
    return this.agent;
  }
}

/** Headless Chromium (closed after the file) with one page, and the page's uncaught errors. */
export async function openPage(scratch: BrowserScratch, viewport: { width: number; height: number }): Promise<{ page: Page; pageErrors: string[] }> {
  const browser = await launchBrowser();
  scratch.cleanup(() => browser.close());
  const page = await browser.newPage({ viewport });
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  return { page, pageErrors };
}
