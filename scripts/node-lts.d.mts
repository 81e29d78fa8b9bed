// Types of scripts/node-lts.mjs for TypeScript callers (bench/, e2e/).
export declare const NODE_LTS_VERSION: string;
export declare function cacheDir(): string;
export declare function nodeLts(): string;
export declare function nodeForArtefacts(): string;
