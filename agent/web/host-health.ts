/**
 * The machine's health for the Device page, read where Linux and Jetson keep it: CPU use from
 * /proc/stat (between two calls), memory from /proc/meminfo, temperatures from
 * /sys/class/thermal/thermal_zone* (millidegrees C), disk from statfs, and on a Jetson one line
 * of `tegrastats` (GPU load, which /proc does not show). Anything unreadable is null: the page
 * says "not readable here" instead of failing.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statfsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';

export interface HostHealth {
  readonly cpu: { readonly cores: number; readonly usePercent: number | null; readonly load1: number };
  readonly memory: { readonly totalMb: number; readonly availableMb: number } | null;
  readonly temperatures: readonly { readonly zone: string; readonly celsius: number }[];
  readonly disk: { readonly path: string; readonly totalMb: number; readonly freeMb: number } | null;
  /** The last `tegrastats` line (Jetson only), e.g. "RAM 2100/3964MB ... GR3D_FREQ 35% ...". */
  readonly tegrastats: string | null;
}

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};
const mb = (bytes: number) => Math.round(bytes / 1048576);

function cpuTimes(): { idle: number; total: number } | undefined {
  const line = read('/proc/stat')?.split('\n')[0];
  if (!line?.startsWith('cpu ')) return undefined;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0); // idle + iowait
  return { idle, total: v.reduce((a, b) => a + b, 0) };
}

function memory(): HostHealth['memory'] {
  const text = read('/proc/meminfo');
  if (!text) return null;
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN) * 1024;
  const total = kb('MemTotal');
  const available = kb('MemAvailable');
  return Number.isFinite(total) && Number.isFinite(available) ? { totalMb: mb(total), availableMb: mb(available) } : null;
}

function temperatures(root = '/sys/class/thermal'): HostHealth['temperatures'] {
  let zones: string[] = [];
  try {
    zones = readdirSync(root).filter((z) => z.startsWith('thermal_zone'));
  } catch {
    return [];
  }
  return zones.flatMap((z) => {
    const milli = Number(read(join(root, z, 'temp'))?.trim());
    if (!Number.isFinite(milli) || milli <= -40_000) return []; // Jetson reports -256000 for an absent sensor
    return [{ zone: read(join(root, z, 'type'))?.trim() || z, celsius: Math.round(milli / 100) / 10 }];
  });
}

function disk(path: string): HostHealth['disk'] {
  try {
    const s = statfsSync(path);
    return { path, totalMb: mb(s.blocks * s.bsize), freeMb: mb(s.bavail * s.bsize) };
  } catch {
    return null;
  }
}

const TEGRASTATS = '/usr/bin/tegrastats';

/** Samples kept between calls: CPU use needs two readings, tegrastats is slow to start. */
export class HostMonitor {
  private lastCpu = cpuTimes();
  private tegra: { line: string | null; at: number } = { line: null, at: 0 };

  constructor(private readonly dataDir: string) {}

  read(): HostHealth {
    const now = cpuTimes();
    const before = this.lastCpu;
    this.lastCpu = now;
    const busy = now && before && now.total > before.total ? 1 - (now.idle - before.idle) / (now.total - before.total) : null;
    this.refreshTegrastats();
    return {
      cpu: { cores: cpus().length, usePercent: busy === null ? null : Math.round(busy * 1000) / 10, load1: Math.round(loadavg()[0]! * 100) / 100 },
      memory: memory(),
      temperatures: temperatures(),
      disk: disk(this.dataDir),
      tegrastats: this.tegra.line,
    };
  }

  /** One line from tegrastats at most every 10 s, in the background (it prints once per interval and runs until killed). */
  private refreshTegrastats(): void {
    if (!existsSync(TEGRASTATS) || Date.now() - this.tegra.at < 10_000) return;
    this.tegra = { ...this.tegra, at: Date.now() };
    const child = execFile(TEGRASTATS, ['--interval', '500'], { timeout: 3000 }, () => {});
    child.stdout?.once('data', (chunk: Buffer) => {
      this.tegra = { line: chunk.toString('utf8').split('\n')[0]!.trim().slice(0, 400), at: Date.now() };
      child.kill();
    });
  }
}
