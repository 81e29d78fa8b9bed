// Types of scripts/node-lts.mjs for TypeScript callers (e2e/support/images.ts).
/** The pinned Node.js LTS release. */
export declare const NODE_LTS_VERSION: string;
/** $SK_CACHE_DIR, default ~/.cache/sidecar-kit. */
export declare function cacheDir(): string;
/** The path of the pinned Node binary, downloaded once into cacheDir(). */
export declare function nodeLts(): string;
