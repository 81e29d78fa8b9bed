/** A value that Go's typed decoding of a Kubernetes object would reject, with its field path. */
export class K8sDecodeError extends Error {
  readonly code = 'K8S_DECODE';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'K8sDecodeError';
  }
}
