import { describe, expect, it } from 'vitest';
import { createSprigFuncs } from './sprig.js';
import { parseTemplate } from './template.js';
import { TemplateErrorCode, TemplateExecError, TemplateParseError } from './errors.js';

const sprig = createSprigFuncs();
const render = (text: string, data: unknown = {}, name = 't'): string => parseTemplate(name, text, sprig).execute(data);

describe('Go text/template semantics', () => {
  it.each<[string, string, unknown, string]>([
    // text, actions, whitespace trimming
    ['plain text passes through', 'hello\n  world', {}, 'hello\n  world'],
    ['field access on a map', 'hi {{ .name }}!', { name: 'bob' }, 'hi bob!'],
    ['left trim marker eats preceding whitespace', 'a  \n\t {{- .x }}', { x: 1 }, 'a1'],
    ['right trim marker eats following whitespace', '{{ .x -}}  \n b', { x: 1 }, '1b'],
    ['both trim markers', 'a \n {{- .x -}} \n b', { x: 'X' }, 'aXb'],
    ['minus without space is a negative number, not a trim marker', 'a {{-3}}', {}, 'a -3'],
    ['comment is dropped', 'a{{/* note */}}b', {}, 'ab'],
    ['comment with trim markers', 'a \n{{- /* note */ -}}\n b', {}, 'ab'],
    ['multi-line comment', 'a{{/* one\ntwo */}}b', {}, 'ab'],
    // missing keys and nil
    ['missing map key prints <no value>', '{{ .nope }}', {}, '<no value>'],
    ['chain through a missing key is <no value> too', '{{ .a.b.c }}', {}, '<no value>'],
    ['index of a missing key in map[string]interface{} prints <no value>', '{{ index . "nope" }}', {}, '<no value>'],
    ['JSON null in a map prints <no value>', '{{ .a }}', { a: null }, '<no value>'],
    ['nil inside a printed map is <nil>', '{{ . }}', { a: null }, 'map[a:<nil>]'],
    ['missing key is falsy', '{{ if .nope }}y{{ else }}n{{ end }}', {}, 'n'],
    // printing of values
    ['map prints with sorted keys', '{{ . }}', { b: 2, a: 'x', c: [1, 'y'] }, 'map[a:x b:2 c:[1 y]]'],
    ['float64 from data prints without decimals', '{{ .port }}', { port: 15020 }, '15020'],
    ['large float64 prints in exponent form like Go', '{{ .n }}', { n: 1000000 }, '1e+06'],
    ['small float64', '{{ .n }}', { n: 0.00001 }, '1e-05'],
    ['fractional float64', '{{ .n }}', { n: 2.5 }, '2.5'],
    ['integer constant', '{{ 42 }}', {}, '42'],
    ['float constant', '{{ 1.50 }}', {}, '1.5'],
    ['hex and char constants are ints', "{{ 0x1F }} {{ 'a' }}", {}, '31 97'],
    ['raw string constant', '{{ `a\\nb` }}', {}, 'a\\nb'],
    ['bools', '{{ true }} {{ false }}', {}, 'true false'],
    // pipelines and variables
    ['pipeline passes the value as last argument', '{{ "abc" | printf "%s-%s" "x" }}', {}, 'x-abc'],
    ['parenthesized pipeline', '{{ printf "%d" (len .l) }}', { l: [1, 2, 3] }, '3'],
    ['field chain on a parenthesized result', '{{ (index .l 1).name }}', { l: [{ name: 'a' }, { name: 'b' }] }, 'b'],
    ['variable declaration does not print', '{{ $x := "v" }}[{{ $x }}]', {}, '[v]'],
    ['assignment changes the outer variable', '{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}', {}, '2'],
    ['declaration inside if shadows only there', '{{ $x := 1 }}{{ if true }}{{ $x := 2 }}{{ $x }}{{ end }}{{ $x }}', {}, '21'],
    ['$ is the root data', '{{ range .l }}{{ $.p }}{{ . }}{{ end }}', { p: '-', l: [1, 2] }, '-1-2'],
    ['variable field access', '{{ $m := .m }}{{ $m.k }}', { m: { k: 'v' } }, 'v'],
    // conditionals
    ['else if chain', '{{ if eq .n 1.0 }}one{{ else if eq .n 2.0 }}two{{ else }}many{{ end }}', { n: 2 }, 'two'],
    ['empty string, zero, empty list and map are false', '{{ if or "" 0 .l .m }}t{{ else }}f{{ end }}', { l: [], m: {} }, 'f'],
    ['and/or return the deciding operand', '{{ or .a .b "c" }} {{ and 1 0 2 }}', { a: '', b: 'B' }, 'B 0'],
    ['and short-circuits before an error', '{{ and false (index .nope 1) }}', {}, 'false'],
    ['not', '{{ not .a }} {{ not "" }}', { a: 'x' }, 'false true'],
    ['with sets dot', '{{ with .a }}[{{ .b }}]{{ end }}', { a: { b: 'in' } }, '[in]'],
    ['with else', '{{ with .a }}x{{ else }}none{{ end }}', { a: '' }, 'none'],
    ['else with chain', '{{ with .a }}a{{ else with .b }}b={{ . }}{{ end }}', { b: 'B' }, 'b=B'],
    ['with declaring a variable', '{{ with $v := .a }}{{ $v }}{{ end }}', { a: 'V' }, 'V'],
    // range
    ['range over a list', '{{ range .l }}<{{ . }}>{{ end }}', { l: ['a', 'b'] }, '<a><b>'],
    ['range with index and value', '{{ range $i, $v := .l }}{{ $i }}={{ $v }};{{ end }}', { l: ['a', 'b'] }, '0=a;1=b;'],
    ['range over a map goes in sorted key order', '{{ range $k, $v := . }}{{ $k }}:{{ $v }} {{ end }}', { zeta: 1, alpha: 2, mid: 3 }, 'alpha:2 mid:3 zeta:1 '],
    ['range with one variable binds the element', '{{ range $v := .m }}{{ $v }}{{ end }}', { m: { b: 2, a: 1 } }, '12'],
    ['range else on empty', '{{ range .l }}x{{ else }}empty{{ end }}', { l: [] }, 'empty'],
    ['range over a missing key runs else', '{{ range .nope }}x{{ else }}none{{ end }}', {}, 'none'],
    ['range over an int', '{{ range 3 }}{{ . }}{{ end }}', {}, '012'],
    ['break and continue', '{{ range .l }}{{ if eq . 2.0 }}{{ continue }}{{ end }}{{ if eq . 4.0 }}{{ break }}{{ end }}{{ . }}{{ end }}', { l: [1, 2, 3, 4, 5] }, '13'],
    ['range variables are scoped to an iteration', '{{ range $i, $e := .l }}{{ $x := $e }}{{ $x }}{{ end }}', { l: ['a', 'b'] }, 'ab'],
    // define, template, block
    ['define and template with a pipeline', '{{ define "T" }}<{{ . }}>{{ end }}{{ template "T" .x }}', { x: 'v' }, '<v>'],
    ['template without pipeline gets nil dot', '{{ define "T" }}[{{ . }}]{{ end }}{{ template "T" }}', {}, '[<no value>]'],
    ['templates do not see the caller variables but have their own $', '{{ define "T" }}{{ $ }}{{ end }}{{ $x := 1 }}{{ template "T" "d" }}', {}, 'd'],
    ['block defines and runs a default', '{{ block "B" .x }}({{ . }}){{ end }}', { x: 1 }, '(1)'],
    ['recursive template', '{{ define "R" }}{{ if . }}{{ index . 0 }}{{ template "R" (rest .) }}{{ end }}{{ end }}{{ template "R" .l }}', { l: [1, 2, 3] }, '123'],
    // builtins
    ['len counts UTF-8 bytes of strings', '{{ len "héllo" }} {{ len .l }} {{ len .m }}', { l: [1, 2], m: { a: 1 } }, '6 2 1'],
    ['index of nested lists and maps', '{{ index .m "a" 1 "b" }}', { m: { a: [0, { b: 'deep' }] } }, 'deep'],
    ['sprig slice of a list', '{{ slice .l 1 }} {{ slice .l 0 2 }}', { l: [1, 2, 3] }, '[2 3] [1 2]'],
    ['print adds spaces between non-string operands', '{{ print 1 2 "a" "b" 3 }}', {}, '1 2ab3'],
    ['println', '{{ println "a" 1 }}', {}, 'a 1\n'],
    ['eq with several candidates', '{{ eq .s "x" "y" "z" }}', { s: 'y' }, 'true'],
    ['ordering comparisons', '{{ lt 1 2 }} {{ le 2 2 }} {{ gt "b" "a" }} {{ ge 1.5 2.5 }}', {}, 'true true true false'],
    ['eq of missing value and nil-ish', '{{ eq .nope .nope2 }}', {}, 'true'],
    ['html escaping', '{{ html "<a href=\\"x\\">O\'Neil & co</a>" }}', {}, '&lt;a href=&#34;x&#34;&gt;O&#39;Neil &amp; co&lt;/a&gt;'],
    ['js escaping', '{{ js "it\'s <b>\\"x\\"</b> = 1" }}', {}, "it\\'s \\u003Cb\\u003E\\\"x\\\"\\u003C/b\\u003E \\u003D 1"],
    ['urlquery escaping', '{{ urlquery "a b&c=d/é" }}', {}, 'a+b%26c%3Dd%2F%C3%A9'],
    ['html of a missing value', '{{ html .nope }}', {}, '&lt;no value&gt;'],
  ])('%s', (_name, text, data, expected) => {
    expect(render(text, data)).toBe(expected);
  });

  it("Go's builtin slice (without sprig, which replaces it) slices strings by bytes and lists", () => {
    expect(parseTemplate('t', '{{ slice "abcdef" 1 3 }} {{ slice .l 1 }} {{ slice .l 1 2 }}').execute({ l: [1, 2, 3] })).toBe('bc [2 3] [2]');
  });

  it('call invokes function values from the data', () => {
    const data = { add: (a: bigint, b: bigint) => a + b, notFn: 1 };
    expect(render('{{ call .add 1 2 }}', data)).toBe('3');
    expect(() => render('{{ call .notFn }}', data)).toThrowError('error calling call: non-function .notFn of type float64');
  });

  it('parses once and executes many times with different data', () => {
    const t = parseTemplate('t', '{{ .a }}', sprig);
    expect([t.execute({ a: 1 }), t.execute({ a: 'x' }), t.execute({})]).toEqual(['1', 'x', '<no value>']);
  });

  it('executes a named template of the set', () => {
    const t = parseTemplate('t', '{{ define "inner" }}in:{{ . }}{{ end }}outer', sprig);
    expect(t.templateNames()).toEqual(['inner', 't']);
    expect(t.execute('d', { template: 'inner' })).toBe('in:d');
  });
});

describe('Go execution errors', () => {
  it.each<[string, string, unknown, string]>([
    ['incompatible types for eq', '{{ eq 1 "1" }}', {}, 'template: t:1:3: executing "t" at <eq 1 "1">: error calling eq: incompatible types for comparison'],
    ['int constant vs float64 data', '{{ if eq .port 15020 }}y{{ end }}', { port: 15020 }, 'template: t:1:6: executing "t" at <eq .port 15020>: error calling eq: incompatible types for comparison'],
    ['lt on bools', '{{ lt true false }}', {}, 'template: t:1:3: executing "t" at <lt true false>: error calling lt: invalid type for comparison'],
    ['lt on a missing value', '{{ lt .nope 1 }}', {}, 'template: t:1:3: executing "t" at <lt .nope 1>: error calling lt: invalid type for comparison'],
    ['field of a JSON null', 'a\n  {{ .a.b }}', { a: null }, 'template: t:2:7: executing "t" at <.a.b>: nil pointer evaluating interface {}.b'],
    ['index of a missing map', '{{ index .nope "k" }}', {}, 'template: t:1:3: executing "t" at <index .nope "k">: error calling index: index of untyped nil'],
    ['index out of range', '{{ index .l 5 }}', { l: [1] }, 'template: t:1:3: executing "t" at <index .l 5>: error calling index: index out of range: 5'],
    ['wrong number of args', '{{ len 1 2 }}', {}, 'template: t:1:3: executing "t" at <len>: wrong number of args for len: want 1 got 2'],
    ['argument of the wrong type', '{{ trunc "3" "abc" }}', {}, 'template: t:1:9: executing "t" at <"3">: expected integer; found "3"'],
    ['computed argument of the wrong type', '{{ trunc .n "abc" }}', { n: 3 }, 'template: t:1:9: executing "t" at <.n>: wrong type for value; expected int; got float64'],
    ['missing value for a string parameter', '{{ upper .nope }}', {}, 'template: t:1:9: executing "t" at <.nope>: invalid value; expected string'],
    ['range over a string', '{{ range "abc" }}{{ end }}', {}, 'template: t:1:9: executing "t" at <"abc">: range can\'t iterate over abc'],
    ['undefined template', 'x{{ template "nope" }}', {}, 'template: t:1:13: executing "t" at <{{template "nope"}}>: template "nope" not defined'],
    ['error inside a defined template names it', '{{ define "d" }}\n{{ eq 1 "a" }}{{ end }}{{ template "d" }}', {}, 'template: t:2:3: executing "d" at <eq 1 "a">: error calling eq: incompatible types for comparison'],
    ['nil is not a command', '{{ nil }}', {}, 'template: t:1:3: executing "t" at <nil>: nil is not a command'],
    ['argument to a non-function', '{{ .a 1 }}', { a: 1 }, 'template: t:1:3: executing "t" at <.a>: a is not a method but has arguments'],
    ['column counts UTF-8 bytes', 'é{{ eq 1 "a" }}', {}, 'template: t:1:5: executing "t" at <eq 1 "a">: error calling eq: incompatible types for comparison'],
    ['function errors are wrapped', '{{ fail "boom" }}', {}, 'template: t:1:3: executing "t" at <fail "boom">: error calling fail: boom'],
  ])('%s', (_name, text, data, message) => {
    let err: unknown;
    try {
      render(text, data);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TemplateExecError);
    expect((err as TemplateExecError).code).toBe(TemplateErrorCode.exec);
    expect((err as Error).message).toBe(message);
  });
});

describe('Go parse errors', () => {
  it.each<[string, string, string]>([
    ['undefined function', 'a\n{{ nope 1 }}', 'template: t:2: function "nope" not defined'],
    ['unclosed action', '{{ .a ', 'template: t:1: unclosed action'],
    ['unclosed action across lines', '{{ .a\n\n', 'template: t:3: unclosed action started at t:1'],
    ['missing end', '{{ if .a }}\nx\n', 'template: t:3: unexpected EOF'],
    ['stray end', '{{ end }}', 'template: t:1: unexpected {{end}}'],
    ['empty if', '{{ if }}{{ end }}', 'template: t:1: missing value for if'],
    ['undefined variable', '{{ $x }}', 'template: t:1: undefined variable "$x"'],
    ['variable out of scope after end', '{{ if true }}{{ $y := 1 }}{{ end }}{{ $y }}', 'template: t:1: undefined variable "$y"'],
    ['unterminated string', '{{ "abc }}', 'template: t:1: unterminated quoted string'],
    ['bad number', '{{ 3x }}', 'template: t:1: bad number syntax: "3x"'],
    ['unclosed comment', '{{/* x }}', 'template: t:1: unclosed comment'],
    ['comment not followed by the delimiter', '{{/* x */ }}', 'template: t:1: comment ends before closing delimiter'],
    ['break outside range', '{{ break }}', 'template: t:1: {{break}} outside {{range}}'],
    ['non-executable pipeline stage', '{{ .a | "x" }}', 'template: t:1: non executable command in pipeline stage 2'],
    ['unexpected token in operand', '{{ .a ] }}', 'template: t:1: unexpected "]" in operand'],
    ['redefinition', '{{ define "a" }}1{{ end }}{{ define "a" }}2{{ end }}', 'template: t:1: template: multiple definition of template "a"'],
    ['too many declarations', '{{ $a, $b := 1 }}', 'template: t:1: too many declarations in command'],
  ])('%s', (_name, text, message) => {
    let err: unknown;
    try {
      parseTemplate('t', text, sprig);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TemplateParseError);
    expect((err as TemplateParseError).code).toBe(TemplateErrorCode.parse);
    expect((err as Error).message).toBe(message);
  });
});
