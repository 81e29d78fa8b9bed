/** Coded errors of the YAML layer. `code` is stable; `message` follows Go's wording where known. */

export const YamlErrorCode = {
  unsupportedValue: 'YAML_UNSUPPORTED_VALUE',
  controlCharacter: 'YAML_CONTROL_CHARACTER',
  syntax: 'YAML_SYNTAX',
  documentSeparator: 'YAML_DOCUMENT_SEPARATOR',
  conversion: 'YAML_TO_JSON',
  /** Nesting beyond MAX_YAML_DEPTH (go-yaml: "exceeded max depth of 10000"). */
  tooDeep: 'YAML_TOO_DEEP',
  /** go-yaml's alias budget: "document contains excessive aliasing". */
  excessiveAliasing: 'YAML_EXCESSIVE_ALIASING',
} as const;
export type YamlErrorCode = (typeof YamlErrorCode)[keyof typeof YamlErrorCode];

export class YamlError extends Error {
  override readonly name = 'YamlError';
  constructor(
    readonly code: YamlErrorCode,
    message: string,
    /** 1-based line in the input text, when known. */
    readonly line?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
