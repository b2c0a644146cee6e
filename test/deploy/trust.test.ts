/**
 * Anti-downgrade per signing key and the revocation list (agent/deploy/trust.ts), which the
 * apply command checks after the signature (finding 5: on 1819da4 any validly signed package
 * of another name, however old, was accepted).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { generateSigningKeys, isArcEdgeError } from '../../sdk/index.ts';
import { checkTrust, keyFingerprint, raiseKeyFloor, readKeyFloors } from '../../agent/deploy/trust.ts';
import { AgentConfigSchema } from '../../agent/config/schema.ts';

const work = mkdtempSync(join(tmpdir(), 'arcedge-trust-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('after v100 from a key, an older package of another name from that key is refused; other keys keep their own floor', () => {
  const dataDir = join(work, 'd1');
  const a = generateSigningKeys().publicPem;
  const b = generateSigningKeys().publicPem;
  const rules = { dataDir, minVersion: 0, revoked: [] };
  checkTrust(rules, { name: 'good', version: 100 }, a);
  raiseKeyFloor(dataDir, a, 100);
  assert.throws(() => checkTrust(rules, { name: 'old-buggy', version: 3 }, a), (e) => isArcEdgeError(e, 'PACKAGE_VERSION_OLDER') && (e.details as { floor: number }).floor === 100);
  checkTrust(rules, { name: 'other', version: 100 }, a); // the same version of another package is not older
  checkTrust(rules, { name: 'old-buggy', version: 3 }, b); // key b has no floor yet
  raiseKeyFloor(dataDir, a, 50); // a rollback-era lower version never lowers the floor
  assert.equal(readKeyFloors(dataDir)[keyFingerprint(a)], 100);
  // deploy.minVersion: a floor for every key on a device that never saw a deploy.
  assert.throws(() => checkTrust({ ...rules, minVersion: 10 }, { name: 'x', version: 9 }, b), (e) => isArcEdgeError(e, 'PACKAGE_VERSION_OLDER'));
});

test('revoked keys and package versions are refused; a damaged floors file refuses rather than forgets', () => {
  const dataDir = join(work, 'd2');
  const a = generateSigningKeys().publicPem;
  assert.throws(() => checkTrust({ dataDir, minVersion: 0, revoked: [`sha256:${keyFingerprint(a)}`] }, { name: 'p', version: 200 }, a), (e) => isArcEdgeError(e, 'PACKAGE_REVOKED'));
  assert.throws(() => checkTrust({ dataDir, minVersion: 0, revoked: ['p@7'] }, { name: 'p', version: 7 }, a), (e) => isArcEdgeError(e, 'PACKAGE_REVOKED'));
  checkTrust({ dataDir, minVersion: 0, revoked: ['p@7'] }, { name: 'p', version: 8 }, a);
  mkdirSync(join(dataDir, 'models'), { recursive: true });
  writeFileSync(join(dataDir, 'models', 'key-floors.json'), '{not json');
  assert.throws(() => checkTrust({ dataDir, minVersion: 0, revoked: [] }, { name: 'p', version: 8 }, a), (e) => isArcEdgeError(e, 'CONFIG_INVALID'));
});

test('the trust config: deploy.minVersion and deploy.revoked validate', () => {
  const base = { device: { id: 'd' }, cameras: [{ id: 'c', source: 'folder:///x' }] };
  const ok = AgentConfigSchema.parse({ ...base, deploy: { trustedKeys: [], minVersion: 5, revoked: [`sha256:${'a'.repeat(64)}`, 'fr512@3'] } });
  assert.equal(ok.deploy.minVersion, 5);
  assert.equal(AgentConfigSchema.safeParse({ ...base, deploy: { revoked: ['whatever'] } }).success, false);
});
