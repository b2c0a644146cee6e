/**
 * The error codes the agent owns: deploy on the device, commands, cameras, transfers and the
 * web UI. The agent also throws the SDK's codes (sdk/errors.ts); docs/errors.md lists all of
 * them. agent/agent.ts and agent/pipeline/worker.ts import this file, so a code thrown
 * without a site fix gets the fix below.
 */
import { declareErrorCodes } from '../sdk/internal.ts';

export const AGENT_ERROR_CODES = declareErrorCodes('agent', {
  // deploy: applying a model package on the device (agent/deploy)
  PACKAGE_SELF_TEST_FAILED: { meaning: "a model package's golden self-test did not reproduce the expected embeddings on this device", fix: 'check the model and its manifest (colour order, normalisation); for fp16/int8 packages set a lower selfTest.minCosine' },
  PACKAGE_VERSION_OLDER: { meaning: 'a model package is not newer than the one the device runs (same name, version not above it)', fix: 'build the package with a higher --version; to go back to the previous model use the rollback command' },
  PACKAGE_REVOKED: { meaning: 'a model package, or the key that signed it, is on the device\'s revocation list (deploy.revoked)', fix: 'deploy a package signed by a key that is not revoked, at a version not listed' },
  DEPLOY_NOT_STAGED: { meaning: 'the apply command names a transfer that is not completely received on the device', fix: 'send it again with `arcedge deploy` (it resumes); `arcedge devices` shows what the device runs' },
  DEPLOY_BUSY: { meaning: 'another apply or rollback is in progress on the device', fix: 'wait for its reply (the status topic shows deploy.state), then retry' },
  DEPLOY_INTERRUPTED: { meaning: 'the agent stopped (crash, power loss, kill) during an apply, before it committed; the previous model serves', fix: 'send the apply (or deploy) again' },
  ROLLBACK_UNAVAILABLE: { meaning: 'there is no previous model on the device to roll back to', fix: 'deploy the model you want explicitly; the device keeps the last good model only after a successful apply' },
  // enrolment from the web UI and the enroll command
  FACE_CONFLICT: { meaning: 'a face to enroll looks like another enrolled person, or not like the person it is added to', fix: 'check who it is (details names both faces); enroll it as the person it matches, or confirm to enroll it anyway' },
  // agent: commands, cameras, sources
  PAYLOAD_TOO_LARGE: { meaning: 'an MQTT command payload is larger than the limit; it was refused before decoding', fix: 'send a smaller payload (downscale the JPEG; the limit is in docs/agent.md)' },
  COMMAND_INVALID: { meaning: 'a command payload is not JSON or does not match the command\'s schema', fix: 'fix every problem listed (each with its path); the JSON Schemas are in docs/protocol/' },
  COMMAND_UNKNOWN: { meaning: 'no command has this name', fix: 'use one of enroll, forget, list, snapshot, status, reload, events, transfer, apply, rollback' },
  CAMERA_UNKNOWN: { meaning: 'no configured camera has this id', fix: 'use a camera id from the agent config (the status command lists them)' },
  CAMERA_NO_FRAME: { meaning: 'the camera has not delivered a frame yet (starting or offline)', fix: 'wait until its status is online, or check the source' },
  // agent: web API (docs/web-api.md)
  UNAUTHORIZED: { meaning: 'a web API request has no valid session cookie or bearer token', fix: 'log in (POST /api/login) or send Authorization: Bearer <token> from web.tokenFile' },
  CSRF_INVALID: { meaning: 'a state-changing web request with a session cookie lacks the session\'s X-CSRF-Token header', fix: 'send the csrfToken from POST /api/login or GET /api/session as the X-CSRF-Token header' },
  RATE_LIMITED: { meaning: 'too many wrong passwords from this address', fix: 'wait for the Retry-After seconds, then log in with the right password' },
  NOT_FOUND: { meaning: 'the web API has no such route or object (event, person, template, snapshot)', fix: 'check the id; list them with GET /api/events or GET /api/people' },
  EVENTS_STORE_FAILED: { meaning: 'the event history database could not be opened or written', fix: 'check free space and permissions of the agent dataDir; events are still published over MQTT' },
  // web UI (agent/web/ui)
  WEB_ASSETS_MISSING: { meaning: 'the web pages are neither built (dist/web) nor buildable here (sources or esbuild missing, or the build failed)', fix: 'run `npm run build` (writes dist/web), or reinstall arcedge' },
  // transfers (arcedge deploy / gallery push): chunked over MQTT, staged under <dataDir>/incoming/.
  TRANSFER_TOO_LARGE: { meaning: 'a transfer is larger than the device accepts (transfers.maxBytes) or than its free disk space allows', fix: 'free space on the device, raise transfers.maxBytes in its config, or send a smaller package' },
  TRANSFER_UNKNOWN: { meaning: 'a chunk, status or commit names a transfer the device does not have (never begun, or cleaned up as stale)', fix: 'run the deploy again: it begins the transfer anew and resumes from what the device holds' },
  TRANSFER_CONFLICT: { meaning: 'a transfer id is already in use on the device for a file of another size, hash or kind', fix: 'use another transfer id (arcedge derives it from the file hash, so re-run arcedge deploy)' },
  TRANSFER_CHUNK_INVALID: { meaning: 'a chunk has the wrong index, size or sha256 for its transfer', fix: 'resend the chunk (arcedge retries by itself); if it persists, the link corrupts data' },
  TRANSFER_INCOMPLETE: { meaning: 'a commit arrived before every chunk of the transfer was received', fix: 'send the missing chunks listed in details.missing, then commit again (arcedge resumes by itself)' },
  TRANSFER_HASH_MISMATCH: { meaning: 'the reassembled file does not have the sha256 the host declared; it was discarded', fix: 'run the deploy again; if it persists, check the file on the host (sha256sum)' },
});

declare module '../sdk/internal.ts' {
  interface ErrorCodeOwners {
    agent: typeof AGENT_ERROR_CODES;
  }
}
