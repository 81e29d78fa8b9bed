/**
 * Coded template errors. Messages are Go's, byte for byte where we can:
 *   parse:     template: <name>:<line>: <reason>
 *   execution: template: <name>:<line>:<col>: executing "<name>" at <<node>>: <reason>
 */

export const TemplateErrorCode = {
  /** The template text does not parse. */
  parse: 'TEMPLATE_PARSE',
  /** Execution failed (bad field, function error, incompatible comparison, ...). */
  exec: 'TEMPLATE_EXEC',
} as const;
export type TemplateErrorCode = (typeof TemplateErrorCode)[keyof typeof TemplateErrorCode];

export class TemplateError extends Error {
  constructor(
    readonly code: TemplateErrorCode,
    message: string,
    /** Name of the template being parsed or executed. */
    readonly templateName: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TemplateError';
  }
}

export class TemplateParseError extends TemplateError {
  constructor(
    message: string,
    templateName: string,
    readonly line: number,
  ) {
    super(TemplateErrorCode.parse, message, templateName);
    this.name = 'TemplateParseError';
  }
}

export class TemplateExecError extends TemplateError {
  constructor(
    message: string,
    templateName: string,
    /** Location of the failing node, when known (1-based line, 0-based byte column as Go prints it). */
    readonly location: { readonly line: number; readonly col: number } | undefined,
    options?: { cause?: unknown },
  ) {
    super(TemplateErrorCode.exec, message, templateName, options);
    this.name = 'TemplateExecError';
  }
}
