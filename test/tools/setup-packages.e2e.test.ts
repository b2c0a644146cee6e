/**
 * scripts/setup.sh picks its apt packages per distribution (issue 28, item 10): it installed
 * `chromium` everywhere, which Ubuntu (20.04, 22.04, 24.04) has only as a snap stub, so the
 * README's setup failed on Ubuntu and on every Jetson before `npm ci`. Each case runs the
 * script's own selection (`--print-packages`) against a fake /etc/os-release (and, for the
 * Jetsons, a fake /etc/nv_tegra_release), the way those files read on the real systems.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot } from '../helpers/assets.ts';

const scratch = mkdtempSync(join(tmpdir(), 'arcedge-setup-packages-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const OS_RELEASE = {
  debian12: 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n',
  ubuntu2204: 'PRETTY_NAME="Ubuntu 22.04.4 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\nVERSION="22.04.4 LTS (Jammy Jellyfish)"\nID=ubuntu\nID_LIKE=debian\n',
  ubuntu2404: 'PRETTY_NAME="Ubuntu 24.04.1 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\nID_LIKE=debian\nVERSION_CODENAME=noble\n',
  ubuntu2004: 'NAME="Ubuntu"\nVERSION="20.04.6 LTS (Focal Fossa)"\nID=ubuntu\nID_LIKE=debian\nVERSION_ID="20.04"\n',
  fedora: 'NAME="Fedora Linux"\nVERSION="40 (Workstation Edition)"\nID=fedora\nVERSION_ID=40\n',
};
// First line of /etc/nv_tegra_release on JetPack 5.1.3 (L4T 35.5) and JetPack 6.1 (L4T 36.4).
const TEGRA = {
  r35: '# R35 (release), REVISION: 5.0, GCID: 35550185, BOARD: t186ref, EABI: aarch64, DATE: Tue Feb 20 04:46:31 UTC 2024\n',
  r36: '# R36 (release), REVISION: 4.0, GCID: 37537400, BOARD: generic, EABI: aarch64, DATE: Fri Sep 13 04:36:44 UTC 2024\n',
  r32: '# R32 (release), REVISION: 7.4, GCID: 33514132, BOARD: t210ref, EABI: aarch64, DATE: Fri Jun  9 04:25:08 UTC 2023\n',
};

// The list CI ran with before this change, plus what the structure issue adds: CI depends on it.
const DEBIAN_12 = [
  'build-essential', 'python3', 'pkg-config', 'libopencv-dev', 'opencv-data', 'mosquitto', 'mosquitto-clients', 'openssh-server', 'systemd', 'openssl',
  'ffmpeg', 'gstreamer1.0-tools', 'gstreamer1.0-plugins-base', 'gstreamer1.0-plugins-good', 'gstreamer1.0-libav',
  'python3-gi', 'gir1.2-gst-rtsp-server-1.0', 'gstreamer1.0-rtsp', 'python3-numpy', 'python3-skimage', 'python3-pil', 'python3-torch', 'python3-onnx',
  'fonts-dejavu-core', 'chromium',
];

let n = 0;
function packagesFor(osRelease: string, tegra?: string): { status: number | null; packages: string[]; stderr: string } {
  const os = join(scratch, `os-release-${(n += 1)}`);
  writeFileSync(os, osRelease);
  const env: NodeJS.ProcessEnv = { ...process.env, ARCEDGE_OS_RELEASE: os, ARCEDGE_NV_TEGRA_RELEASE: join(scratch, 'no-such-file') };
  if (tegra !== undefined) {
    env.ARCEDGE_NV_TEGRA_RELEASE = join(scratch, `nv_tegra_release-${n}`);
    writeFileSync(env.ARCEDGE_NV_TEGRA_RELEASE, tegra);
  }
  const r = spawnSync('bash', [join(repoRoot, 'scripts', 'setup.sh'), '--print-packages'], { encoding: 'utf8', env });
  return { status: r.status, packages: r.stdout.split('\n').filter(Boolean), stderr: r.stderr };
}

describe('setup.sh package selection per distribution', () => {
  it('Debian 12 (CI): the list CI has always installed, chromium included', () => {
    const r = packagesFor(OS_RELEASE.debian12);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.packages, DEBIAN_12);
  });

  for (const [name, text] of [['Ubuntu 22.04', OS_RELEASE.ubuntu2204], ['Ubuntu 24.04', OS_RELEASE.ubuntu2404]] as const) {
    it(`${name}: the Debian list without chromium (no apt package there)`, () => {
      const r = packagesFor(text);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(r.packages, DEBIAN_12.filter((p) => p !== 'chromium'));
    });
  }

  it('JetPack 5 (L4T R35, Ubuntu 20.04): device packages, g++-10 for C++20, no browser, trainer or opencv-data', () => {
    const r = packagesFor(OS_RELEASE.ubuntu2004, TEGRA.r35);
    assert.equal(r.status, 0, r.stderr);
    for (const p of ['libopencv-dev', 'nvidia-l4t-gstreamer', 'nvidia-tensorrt-dev', 'nvidia-cuda-dev', 'g++-10', 'gstreamer1.0-tools', 'mosquitto', 'ffmpeg']) assert.ok(r.packages.includes(p), `${p} in ${r.packages.join(' ')}`);
    for (const p of ['chromium', 'chromium-browser', 'python3-torch', 'python3-onnx', 'opencv-data']) assert.ok(!r.packages.includes(p), `${p} not on JetPack 5`);
  });

  it('JetPack 6 (L4T R36, Ubuntu 22.04): the same device packages, and its GCC 11 needs no g++-10', () => {
    const r = packagesFor(OS_RELEASE.ubuntu2204, TEGRA.r36);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.packages, packagesFor(OS_RELEASE.ubuntu2004, TEGRA.r35).packages.filter((p) => p !== 'g++-10'));
    assert.ok(!r.packages.includes('chromium'));
  });

  it('refuses what it does not know, naming it: JetPack 4 (R32), Ubuntu 20.04 off a Jetson, Fedora', () => {
    const jp4 = packagesFor(OS_RELEASE.ubuntu2004, TEGRA.r32);
    assert.notEqual(jp4.status, 0);
    assert.match(jp4.stderr, /L4T R32 .* not supported: arcedge needs JetPack 5 \(R35\) or 6 \(R36\)/);
    const focal = packagesFor(OS_RELEASE.ubuntu2004);
    assert.notEqual(focal.status, 0);
    assert.match(focal.stderr, /ubuntu 20\.04 is not a distribution this script knows/);
    const fedora = packagesFor(OS_RELEASE.fedora);
    assert.notEqual(fedora.status, 0);
    assert.match(fedora.stderr, /fedora 40 .*ARCEDGE_SKIP_APT=1/s);
    assert.deepEqual(fedora.packages, []);
  });
});
