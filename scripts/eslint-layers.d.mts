import type { ESLint } from 'eslint';

export interface Layer {
  readonly rank: number;
  readonly folders: readonly string[];
  readonly what: string;
}
export declare const LAYERS: readonly Layer[];
export declare const NODE_IO: readonly string[];
export declare function folderOf(file: string): string | undefined;
export declare function crossing(from: string | undefined, to: string | undefined): string | undefined;
export declare const layersPlugin: ESLint.Plugin;
