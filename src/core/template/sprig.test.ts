import { describe, expect, it } from 'vitest';
import { createSprigFuncs } from './sprig.js';
import { parseTemplate } from './template.js';

const sprig = createSprigFuncs({ env: (k) => ({ HOME: '/root' })[k] });
const render = (text: string, data: unknown = {}): string => parseTemplate('t', text, sprig).execute(data);

describe('sprig string functions', () => {
  it.each<[string, string, unknown, string]>([
    ['trim', '[{{ trim "  a b \\n" }}]', {}, '[a b]'],
    ['trimAll takes the cutset first', '{{ trimAll "$" "$5.00$" }}', {}, '5.00'],
    ['trimPrefix / trimSuffix', '{{ trimPrefix "-" "-a-" }} {{ trimSuffix "-" "-a-" }}', {}, 'a- -a'],
    ['upper / lower', '{{ upper "aB" }} {{ lower "aB" }}', {}, 'AB ab'],
    ['title follows strings.Title word boundaries', '{{ title "hello world-foo_bar" }}', {}, 'Hello World-Foo_bar'],
    ['untitle', '{{ untitle "Hello World" }}', {}, 'hello world'],
    ['repeat and substr', '{{ repeat 3 "ab" }} {{ substr 1 3 "hello" }}', {}, 'ababab el'],
    ['trunc from the start and from the end', '{{ trunc 5 "hello world" }} {{ trunc -5 "hello world" }} {{ trunc 63 "short" }}', {}, 'hello world short'],
    ['abbrev and initials', '{{ abbrev 5 "hello world" }} {{ initials "First Try" }}', {}, 'he... FT'],
    ['wrap', '{{ wrap 5 "Hello World" }}', {}, 'Hello\nWorld'],
    ['contains / hasPrefix / hasSuffix take the needle first', '{{ contains "cat" "catch" }} {{ hasPrefix "cat" "catch" }} {{ hasSuffix "ch" "catch" }}', {}, 'true true true'],
    ['quote skips nil and stringifies', '{{ quote "a" 1 .nope "b\\"c" }}', {}, '"a" "1" "b\\"c"'],
    ['squote and cat', "{{ squote \"a\" }} {{ cat \"a\" 1 .nope \"b\" }}", {}, "'a' a 1 b"],
    ['indent indents every line', '{{ indent 2 "a\\nb" }}', {}, '  a\n  b'],
    ['nindent starts with a newline', '{{ nindent 2 "a\\nb" }}', {}, '\n  a\n  b'],
    ['replace and plural', '{{ replace " " "-" "a b c" }} {{ plural "one" "many" 2 }}', {}, 'a-b-c many'],
    ['case conversions', '{{ snakecase "FirstName" }} {{ camelcase "http_server" }} {{ kebabcase "FirstName" }} {{ swapcase "aBc" }}', {}, 'first_name HttpServer first-name AbC'],
    ['nospace', '{{ nospace "a b\\tc" }}', {}, 'abc'],
    ['toString gives a string', '{{ toString 5 | printf "%T" }}', {}, 'string'],
    ['join stringifies and skips nil', '{{ join "," .l }}', { l: [1, 'a', null] }, '1,a'],
    ['split makes _N keys, splitList a list', '{{ (split "." "a.b.c")._1 }} {{ splitList "," "a,b" }} {{ (splitn "." 2 "a.b.c")._1 }}', {}, 'b [a b] b.c'],
    ['sortAlpha', '{{ sortAlpha .l }}', { l: ['b', 'a', 'c'] }, '[a b c]'],
    ['regexMatch / regexFind / regexFindAll', '{{ regexMatch "^[a-z]+$" "abc" }} {{ regexFind "[0-9]+" "ab12cd34" }} {{ regexFindAll "[0-9]" "a1b2c3" 2 }}', {}, 'true 12 [1 2]'],
    ['regexReplaceAll expands ${1}', '{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "${1}W" }}', {}, '-W-xxW-'],
    ['regexReplaceAll: $1W names group "1W"', '{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "$1W" }}', {}, '---'],
    ['regexReplaceAll skips empty matches next to a match', '{{ regexReplaceAll "a*" "baaac" "X" }}', {}, 'XbXcX'],
    ['regexReplaceAllLiteral', '{{ regexReplaceAllLiteral "a(x*)b" "-ab-axxb-" "${1}" }}', {}, '-${1}-${1}-'],
    ['regexSplit and regexQuoteMeta', '{{ regexSplit "a" "banana" -1 }} {{ regexQuoteMeta "1.2" }}', {}, '[b n n ] 1\\.2'],
    ['leading (?i) flag', '{{ regexMatch "(?i)^abc$" "ABC" }}', {}, 'true'],
  ])('%s', (_name, text, data, expected) => {
    expect(render(text, data)).toBe(expected);
  });
});

describe('sprig lists and dicts', () => {
  it.each<[string, string, unknown, string]>([
    ['list / append / prepend do not modify the input', '{{ $l := list 1 2 }}{{ append $l 3 }} {{ prepend $l 0 }} {{ $l }}', {}, '[1 2 3] [0 1 2] [1 2]'],
    ['first / last / rest / initial / reverse', '{{ first .l }} {{ last .l }} {{ rest .l }} {{ initial .l }} {{ reverse .l }}', { l: [1, 2, 3] }, '1 3 [2 3] [1 2] [3 2 1]'],
    ['first of an empty list is nil', '{{ first (list) }}', {}, '<no value>'],
    ['uniq / without / compact / concat', '{{ uniq (list 1 1 2 "a" "a") }} {{ without (list 1 2 3) 2 }} {{ compact (list 1 "" 0 "a" .nope) }} {{ concat (list 1) (list 2 3) }}', {}, '[1 2 a] [1 3] [1 a] [1 2 3]'],
    ['has uses DeepEqual: int 2 is not float64 2', '{{ has 2 (list 1 2) }} {{ has 2 .l }}', { l: [2] }, 'true false'],
    ['until / untilStep / seq', '{{ until 3 }} {{ untilStep 0 10 3 }} {{ seq 3 }} {{ seq 5 -1 1 }}', {}, '[0 1 2] [0 3 6 9] 1 2 3 5 4 3 2 1'],
    ['dict get set unset hasKey keys', '{{ $d := dict "a" 1 "b" 2 }}{{ get $d "a" }} [{{ get $d "z" }}] {{ $_ := set $d "c" 3 }}{{ $_ := unset $d "a" }}{{ keys $d | sortAlpha }} {{ hasKey $d "b" }}', {}, '1 [] [b c] true'],
    ['pluck / pick / omit', '{{ pluck "a" (dict "a" 1) (dict "a" 2) (dict "b" 3) }} {{ pick (dict "a" 1 "b" 2) "a" }} {{ omit (dict "a" 1 "b" 2) "a" }}', {}, '[1 2] map[a:1] map[b:2]'],
    ['merge keeps the destination values, deep', '{{ toJson (merge (dict "a" 1 "n" (dict "x" 1)) (dict "a" 2 "b" 3 "n" (dict "y" 2))) }}', {}, '{"a":1,"b":3,"n":{"x":1,"y":2}}'],
    ['merge fills empty destination values', '{{ toJson (merge (dict "a" "") (dict "a" "x")) }}', {}, '{"a":"x"}'],
    ['mergeOverwrite lets the source win', '{{ toJson (mergeOverwrite (dict "a" 1 "n" (dict "x" 1)) (dict "a" 2 "n" (dict "y" 2))) }}', {}, '{"a":2,"n":{"x":1,"y":2}}'],
    ['deepCopy is independent of the original', '{{ $a := dict "x" (list 1) }}{{ $b := deepCopy $a }}{{ $_ := set $b "y" 2 }}{{ toJson $a }}', {}, '{"x":[1]}'],
    ['dig', '{{ dig "a" "b" "def" (dict "a" (dict "b" "v")) }} {{ dig "a" "z" "def" (dict "a" (dict)) }}', {}, 'v def'],
    ['dict keys never reach the prototype', '{{ $d := dict "__proto__" "x" }}{{ toJson $d }} {{ toJson (dict) }}', {}, '{"__proto__":"x"} {}'],
  ])('%s', (_name, text, data, expected) => {
    expect(render(text, data)).toBe(expected);
  });

  it('set on a values map changes that map (as in Go)', () => {
    const values = { global: {} as Record<string, unknown> };
    render('{{ $_ := set .global "k" "v" }}', values);
    expect(values.global).toEqual({ k: 'v' });
  });

  it('merge with a hostile key does not pollute Object.prototype', () => {
    render('{{ $_ := merge (dict) (fromJson "{\\"__proto__\\":{\\"polluted\\":1}}") }}');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('sprig math, defaults, encoding, reflection, paths, semver', () => {
  it.each<[string, string, unknown, string]>([
    ['int64 arithmetic', '{{ add 1 2 "3" }} {{ add1 5 }} {{ sub 5 7 }} {{ div 7 2 }} {{ mod 7 3 }} {{ mul 2 3 4 }} {{ max 1 5 3 }} {{ min 4 2 8 }}', {}, '6 6 -2 3 1 24 5 2'],
    ['floats are truncated to int64', '{{ add .a 1 }}', { a: 2.7 }, '3'],
    ['conversions', '{{ int "42" }} {{ int64 3.9 }} {{ float64 "1.5" }} {{ atoi "12" }} {{ atoi "x" }} {{ toDecimal "0777" }}', {}, '42 3 1.5 12 0 511'],
    ['float math', '{{ floor 1.7 }} {{ ceil 1.2 }} {{ round 3.14159 2 }} {{ addf 0.1 0.2 }} {{ mulf 1.5 2 }} {{ divf 10 4 }} {{ maxf 1 2.5 }}', {}, '1 2 3.14 0.3 3 2.5 2.5'],
    ['default treats empty values as unset', '{{ default "d" .nope }} {{ default "d" "" }} {{ default "d" "x" }} {{ default "d" 0 }} {{ default "d" false }} {{ .nope | default "p" }}', {}, 'd d x d d p'],
    ['empty / coalesce / all / any / ternary', '{{ empty .l }} {{ empty 0 }} {{ empty "a" }} {{ coalesce .nope "" "x" "y" }} {{ all 1 "a" }} {{ all 1 "" }} {{ any 0 "" "a" }} {{ ternary "y" "n" false }} {{ true | ternary "y" "n" }}', { l: [] }, 'true true false x true false true n y'],
    ['toJson escapes HTML like Go; toRawJson does not', '{{ toJson .m }} {{ toRawJson .m }}', { m: { b: 1, a: '<x>&' } }, '{"a":"\\u003cx\\u003e\\u0026","b":1} {"a":"<x>&","b":1}'],
    ['toPrettyJson', '{{ toPrettyJson .m }}', { m: { b: [1], a: {} } }, '{\n  "a": {},\n  "b": [\n    1\n  ]\n}'],
    ['fromJson', '{{ (fromJson "{\\"a\\":[1,2]}").a }} {{ fromJson "bad" }}', {}, '[1 2] <no value>'],
    ['base64 / base32', '{{ b64enc "hi" }} {{ b64dec "aGk=" }} {{ b32enc "hi" }} {{ b32dec "NBUQ====" }}', {}, 'aGk= hi NBUQ==== hi'],
    ['hashes', '{{ sha256sum "hi" }} {{ sha1sum "hi" }} {{ adler32sum "hi" }}', {}, '8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4 c22b5f9178342609428d6f51b2c5af4c0bde6a42 20644050'],
    ['typeOf / kindOf / kindIs / typeIs / deepEqual', '{{ typeOf 1 }}|{{ typeOf 1.5 }}|{{ typeOf (list) }}|{{ typeOf (dict) }}|{{ kindOf (list) }}|{{ kindIs "map" (dict) }}|{{ typeIs "int" 1 }}|{{ deepEqual (list 1 2) (list 1 2) }}', {}, 'int|float64|[]interface {}|map[string]interface {}|slice|true|true|true'],
    ['paths', '{{ base "/a/b.txt" }} {{ dir "/a/b.txt" }} {{ ext "b.tar.gz" }} {{ clean "/a/../b//c/" }} {{ isAbs "a" }}', {}, 'b.txt /a .gz /b/c false'],
    ['semverCompare', '{{ semverCompare ">=1.2.0" "1.3.4" }} {{ semverCompare "~1.2" "1.3.0" }} {{ semverCompare "^1.2.3" "1.9.0" }} {{ semverCompare ">1.0.0" "1.1.0-rc.1" }} {{ semverCompare "1.2.x || >=2.5" "2.6.0" }}', {}, 'true false true false true'],
    ['semver parts', '{{ (semver "v1.2.3-rc.1").Minor }} {{ (semver "1.2.3-rc.1").Prerelease }}', {}, '2 rc.1'],
    ['env and expandenv use the injected environment', '{{ env "HOME" }} [{{ env "NOPE" }}] {{ expandenv "h=$HOME ${HOME}" }}', {}, '/root [] h=/root /root'],
  ])('%s', (_name, text, data, expected) => {
    expect(render(text, data)).toBe(expected);
  });

  it.each<[string, string, string]>([
    ['integer division by zero', '{{ div 1 0 }}', 'error calling div: runtime error: integer divide by zero'],
    ['list function on a map', '{{ first (dict) }}', 'error calling first: Cannot find first on type map'],
    ['bad regexp', '{{ regexFind "(" "x" }}', 'error calling regexFind: regexp: Compile("("): error parsing regexp'],
  ])('%s fails', (_name, text, reason) => {
    expect(() => render(text)).toThrowError(reason);
  });
});
