/**
 * Every error the SDK throws is an ArcEdgeError: a stable `code` callers can switch on,
 * a message that names the file/value and what was expected, and `fix`, the exact thing
 * the user can do about it (MQTT.js carries a code; onnxruntime lists every failure).
 */
export type ArcEdgeErrorCode =
  // image I/O
  | 'IMAGE_EMPTY'
  | 'IMAGE_UNSUPPORTED'
  | 'IMAGE_CORRUPT'
  | 'IMAGE_TOO_SMALL'
  | 'IMAGE_TOO_LARGE'
  | 'IMAGE_NOT_FOUND'
  // models
  | 'MODEL_NOT_FOUND'
  | 'MODEL_FETCH_FAILED'
  | 'MODEL_CHECKSUM_MISMATCH'
  | 'MODEL_MANIFEST_INVALID'
  | 'MODEL_SIGNATURE_MISMATCH'
  | 'MODEL_SET_UNKNOWN'
  // runtime
  | 'BACKEND_UNAVAILABLE'
  | 'BACKEND_LOAD_FAILED'
  | 'BACKEND_RUN_FAILED'
  | 'BACKEND_DISPOSED'
  // OpenCV binding (sdk/image/opencv/loader.ts, `arcedge setup`)
  | 'OPENCV_UNAVAILABLE'
  | 'OPENCV_BUILD_FAILED'
  // storage
  | 'STORAGE_WRITE_FAILED'
  // pipeline
  | 'INVALID_ARGUMENT'
  | 'CONFIG_INVALID';

export class ArcEdgeError extends Error {
  readonly code: ArcEdgeErrorCode;
  /** What the user should do; also appended to `message` so logs carry it. */
  readonly fix: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ArcEdgeErrorCode,
    message: string,
    options: { fix?: string; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(options.fix ? `${message}\nFix: ${options.fix}` : message, { cause: options.cause });
    this.name = 'ArcEdgeError';
    this.code = code;
    this.fix = options.fix;
    this.details = options.details;
  }
}

export function isArcEdgeError(error: unknown, code?: ArcEdgeErrorCode): error is ArcEdgeError {
  return error instanceof ArcEdgeError && (code === undefined || error.code === code);
}
