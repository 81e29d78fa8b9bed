/**
 * Multi-document splitting exactly like k8s.io/apimachinery/pkg/util/yaml `NewYAMLReader`, which
 * `istioctl kube-inject` uses:
 *
 * - the input is read line by line with bufio `ReadLine`: "\r\n" and "\n" both end a line and
 *   every line of a document is returned with a single "\n" (so CRLF input comes back as LF, and
 *   a last line without newline gets one); a lone "\r" is kept;
 * - a line whose first three bytes are `---` is a separator when only whitespace or a `#`
 *   comment follows; anything else after `---` is an error (`invalid Yaml document separator`);
 *   the separator line belongs to no document;
 * - empty documents (nothing between two separators) are skipped, but a document of blank or
 *   comment lines is returned as is.
 *
 * Each returned text therefore ends with "\n" (the newline that terminated its last line).
 */
import { YamlError, YamlErrorCode } from './errors.js';

export interface RawYamlDocument {
  /** The document's lines, each terminated by "\n". */
  readonly text: string;
  /** 1-based line number of the document's first line in the input. */
  readonly line: number;
}

/** Go's strings.TrimSpace set (unicode.IsSpace), which differs from String#trim. */
const GO_SPACE = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const GO_TRIM = new RegExp(`^${GO_SPACE}+|${GO_SPACE}+$`, 'g');

function readLines(text: string): string[] {
  const lines = text.split('\n');
  const endsWithNewline = lines[lines.length - 1] === '';
  if (endsWithNewline) lines.pop();
  return lines.map((l, i) => (i < lines.length - 1 || endsWithNewline) && l.endsWith('\r') ? l.slice(0, -1) : l);
}

export function splitRawYamlDocuments(text: string): RawYamlDocument[] {
  const docs: RawYamlDocument[] = [];
  let buffer: string[] = [];
  let start = 1;
  readLines(text).forEach((line, index) => {
    if (line.startsWith('---')) {
      const trimmed = `${line.slice(3)}\n`.replace(GO_TRIM, '');
      if (trimmed.length > 0 && !trimmed.startsWith('#')) {
        throw new YamlError(YamlErrorCode.documentSeparator, `invalid Yaml document separator: ${trimmed}`, index + 1);
      }
      if (buffer.length > 0) docs.push({ text: buffer.join(''), line: start });
      buffer = [];
      return;
    }
    if (buffer.length === 0) start = index + 1;
    buffer.push(`${line}\n`);
  });
  if (buffer.length > 0) docs.push({ text: buffer.join(''), line: start });
  return docs;
}

/** The raw text of each document of a multi-document YAML stream (see splitRawYamlDocuments). */
export function splitYamlDocuments(text: string): string[] {
  return splitRawYamlDocuments(text).map((d) => d.text);
}
