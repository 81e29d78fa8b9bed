/**
 * Coded errors of the capture engine; each edge maps them once (CLI exit code, CNI error).
 * Bad settings are not errors here: `parseCaptureSettings` returns issues naming each setting.
 */

export const CaptureErrorCode = {
  /** The kernel rejected the rules (nothing is left applied). */
  ApplyFailed: 'CAPTURE_APPLY_FAILED',
  /** Istio rules from another configuration are present and --reconcile was not given. */
  ExistingRules: 'CAPTURE_EXISTING_RULES',
  /** Removing rules failed. */
  CleanupFailed: 'CAPTURE_CLEANUP_FAILED',
  /** The dry-run record could not be written to DRY_RUN_FILE_PATH. */
  RecordFailed: 'CAPTURE_RECORD_FAILED',
} as const;

export type CaptureErrorCode = (typeof CaptureErrorCode)[keyof typeof CaptureErrorCode];

export class CaptureError extends Error {
  override readonly name = 'CaptureError';

  constructor(
    readonly code: CaptureErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Istio's exit code for a failed `--run-validation`. */
export const VALIDATION_EXIT_CODE = 126;
