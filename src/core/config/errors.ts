import type { $ZodError, $ZodErrorMap } from 'zod/v4/core';
import en from 'zod/v4/locales/en.js';

/** A setting that is missing, malformed or of the wrong type; `path` names the field. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(
    message: string,
    readonly path?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/** Turns zod issues into one ConfigError naming each bad field, e.g. `values.global.proxy.statusPort: expected number, received string`. */
export function configErrorFromZod(prefix: string, error: $ZodError): ConfigError {
  const lines = error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    return `${path}: ${issue.message.replace(/^Invalid input: /, '')}`;
  });
  const first = error.issues[0];
  return new ConfigError(lines.join('; '), first ? [prefix, ...first.path.map(String)].join('.') : prefix, { cause: error });
}

let english: $ZodErrorMap | undefined;

/**
 * zod's English issue messages ("expected number, received string"), passed per parse: the
 * config schemas use zod/mini, which carries no locale of its own (and sets no global one).
 */
export function englishIssues(): $ZodErrorMap {
  english ??= en().localeError;
  return english;
}
