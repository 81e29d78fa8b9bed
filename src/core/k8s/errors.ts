/** A value that Go's typed decoding of a Kubernetes object would reject, with its field path. */
export class K8sDecodeError extends Error {
  readonly code = 'K8S_DECODE';
  constructor(
    readonly path: string,
    readonly reason: string,
    /** encoding/json's own text for the same failure (what Go code passes on), when it differs from `reason`. */
    private readonly goWords?: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'K8sDecodeError';
  }

  /** The error as Go's encoding/json words it (`json: cannot unmarshal … into Go struct field …`). */
  get goText(): string {
    return this.goWords ?? this.reason;
  }
}
