/**
 * The plugin's logger: level-filtered lines on stderr and, optionally, appended to a file.
 * Writes are synchronous because a CNI plugin lives for tens of milliseconds and exits right
 * after printing its result; an asynchronous logger (pino's transports) could lose the last
 * lines, and it would not fit the startup snapshot the executable is built from.
 */
import { appendFileSync, writeSync } from 'node:fs';
import type { LogLevel } from '../core/config/cni.js';

export type Fields = Readonly<Record<string, string | number | boolean | undefined>>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
}

const RANK: Readonly<Record<LogLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3, none: 4 };

function line(level: string, msg: string, fields: Fields | undefined, now: Date): string {
  const kv = Object.entries(fields ?? {})
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' && /[\s"=]/.test(v) ? JSON.stringify(v) : String(v)}`);
  return `${now.toISOString()}\t${level}\tcni\t${[msg, ...kv].join(' ')}\n`;
}

export function createLogger(opts: { level: LogLevel; file?: string; stderrFd?: number; clock?: () => Date }): Logger {
  const min = RANK[opts.level];
  const clock = opts.clock ?? (() => new Date());
  const emit = (level: Exclude<LogLevel, 'none'>) => (msg: string, fields?: Fields) => {
    if (RANK[level] < min) return;
    const text = line(level, msg, fields, clock());
    try {
      writeSync(opts.stderrFd ?? 2, text);
      if (opts.file !== undefined) appendFileSync(opts.file, text);
    } catch {
      // Logging must never fail the sandbox.
    }
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/** A logger that keeps lines in memory (tests). */
export function memoryLogger(): Logger & { readonly lines: string[] } {
  const lines: string[] = [];
  const rec = (level: string) => (msg: string, fields?: Fields) => {
    lines.push(`${level} ${msg}${fields ? ' ' + JSON.stringify(fields) : ''}`);
  };
  return { lines, debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') };
}
