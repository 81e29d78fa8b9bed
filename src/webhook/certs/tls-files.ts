/**
 * Serving certificate from files, swapped into the running HTTPS server when the files change
 * (`server.setSecureContext`): established connections keep their session, new handshakes get
 * the new certificate, nothing is dropped. A half-written pair (cert and key not matching yet)
 * is refused and the previous context stays in place until the next change.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { Logger } from 'pino';
import { describeFsError } from '../../core/format/fs-error.js';
import { watchFiles, type FileWatch, type WatchOptions } from '../watch.js';

export const MIN_TLS_VERSION = 'TLSv1.2';

export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
}

export class TlsFileError extends Error {
  readonly code = 'TLS_FILES_INVALID';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TlsFileError';
  }
}

export function secureContextOptions(m: TlsMaterial): SecureContextOptions {
  return { cert: m.cert, key: m.key, minVersion: MIN_TLS_VERSION };
}

/** Reads and checks a certificate/key pair; throws TlsFileError naming the flag at fault. */
export function loadTlsFiles(certFile: string, keyFile: string): TlsMaterial {
  const read = (file: string, flag: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new TlsFileError(`${flag}: ${file}: ${describeFsError(err)}`, { cause: err });
    }
  };
  const m = { cert: read(certFile, '--tlsCertFile'), key: read(keyFile, '--tlsKeyFile') };
  try {
    createSecureContext(secureContextOptions(m));
  } catch (err) {
    throw new TlsFileError(`--tlsCertFile ${certFile} / --tlsKeyFile ${keyFile}: ${(err as Error).message}`, { cause: err });
  }
  return m;
}

export interface TlsReloaderOptions {
  readonly certFile: string;
  readonly keyFile: string;
  /** Installs new material, e.g. `(m) => server.setSecureContext(secureContextOptions(m))`. */
  readonly apply: (m: TlsMaterial) => void;
  readonly logger: Logger;
  readonly onResult?: (result: 'ok' | 'error') => void;
  readonly watch?: WatchOptions;
}

/** Watches the pair and applies each new valid version; returns the watch to close. */
export function startTlsReloader(opts: TlsReloaderOptions, initial: TlsMaterial): FileWatch {
  let last = initial;
  const reload = () => {
    let next: TlsMaterial;
    try {
      next = loadTlsFiles(opts.certFile, opts.keyFile);
    } catch (err) {
      opts.logger.warn({ err: (err as Error).message }, 'serving certificate not reloaded, keeping the current one');
      opts.onResult?.('error');
      return;
    }
    if (next.cert === last.cert && next.key === last.key) return;
    opts.apply(next);
    last = next;
    opts.logger.info({ certFile: opts.certFile }, 'serving certificate reloaded');
    opts.onResult?.('ok');
  };
  return watchFiles([opts.certFile, opts.keyFile], reload, opts.watch);
}
