// Types for server-process.mjs (plain ESM so that .ci/conformance.mjs can load it).
export interface WebhookProcess {
  readonly port: number;
  readonly monitoringPort: number;
  readonly caFile: string;
  readonly url: string;
  readonly logs: string[];
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}
export function startWebhookProcess(opts: { cli: string; args?: string[]; env?: Record<string, string>; timeoutMs?: number }): Promise<WebhookProcess>;
