// Types for scripts/istio-oracle.mjs (the Istio oracle helper).
export interface OracleAnswer {
  ok: boolean;
  error?: string;
  fault?: string;
  output?: string;
  warnings?: string[];
  status?: number;
  body?: string;
  patched?: unknown;
  skipped?: boolean;
  values?: string;
  config?: string;
  mesh?: string;
  version?: string;
  micros?: number;
}
export interface OracleProcess {
  readonly pid: number | undefined;
  request(req: Record<string, unknown>): Promise<OracleAnswer>;
  close(): Promise<void>;
}
export const ORACLE_SRC: string;
export function goBinary(): string;
export function istioVersion(): string;
export function oracleCacheDir(): string;
export function ensureOracle(opts?: { log?: (m: string) => void }): string;
export function buildIstioBinary(pkg: string, name: string, opts?: { log?: (m: string) => void }): string;
export function istioModuleDir(): string;
export function startOracle(opts?: { bin?: string; timeoutMs?: number }): OracleProcess;
