// What the Kubernetes client's errors say, for messages that name the call that failed (shared
// by the webhook's and the CNI agent's API edges).

/** The HTTP status of a client-node ApiException, if any. */
export function apiStatus(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** "create: HTTP 403: secrets is forbidden: …" from an ApiException, or the error's message. */
export function describeApiError(err: unknown): string {
  const verb = (err as { verb?: string } | null)?.verb;
  const status = apiStatus(err);
  let text = err instanceof Error ? err.message : String(err);
  if (status !== undefined) {
    const body = (err as { body?: unknown }).body;
    let message: unknown;
    try {
      message = (typeof body === 'string' ? (JSON.parse(body) as { message?: unknown }) : (body as { message?: unknown } | undefined))?.message;
    } catch {
      message = undefined;
    }
    text = `HTTP ${status}${typeof message === 'string' ? `: ${message}` : ''}`;
  }
  return verb ? `${verb}: ${text}` : text;
}
