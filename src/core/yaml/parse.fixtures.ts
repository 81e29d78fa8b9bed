/**
 * Parser table: YAML inputs written for these tests, with the JSON that sigs.k8s.io/yaml.YAMLToJSON
 * (go-yaml v2.4.0 Unmarshal + key conversion + encoding/json) produces for them, recorded with the
 * oracle in ./oracle. Inputs whose expected text starts with "ERR" must fail.
 */
export const PARSE_CASES: readonly (readonly [string, string, string])[] = [
  ["YAML 1.1 booleans", "a: yes\nb: On\nc: n\nd: Y\ne: OFF\nf: True\ng: tRUE\n", "{\"a\":true,\"b\":true,\"c\":false,\"d\":true,\"e\":false,\"f\":true,\"g\":\"tRUE\"}"],
  ["integers", "octal: 0777\nhex: 0x1F\no: 0o17\nbin: 0b101\nunderscore: 1_000\nplus: +1\nnegzero: -0\neight: 08\n", "{\"bin\":5,\"eight\":8,\"hex\":31,\"negzero\":0,\"o\":15,\"octal\":511,\"plus\":1,\"underscore\":1000}"],
  ["floats", "e: 1e3\ndot: .5\ntrailing: 1.\nneg: -2.5E-3\nbig: 1e400\n", "{\"big\":\"1e400\",\"dot\":0.5,\"e\":1000,\"neg\":-0.0025,\"trailing\":1}"],
  ["nulls", "a: ~\nb:\nc: null\nd: Null\n", "{\"a\":null,\"b\":null,\"c\":null,\"d\":null}"],
  ["timestamps stay strings", "date: 2024-01-01\nts: 2001-12-14t21:59:43.10-05:00\nbad: 2024-02-30\n", "{\"bad\":\"2024-02-30\",\"date\":\"2024-01-01\",\"ts\":\"2001-12-14t21:59:43.10-05:00\"}"],
  ["sexagesimal stays a string", "a: 1:20\nb: 190:20:30.15\n", "{\"a\":\"1:20\",\"b\":\"190:20:30.15\"}"],
  ["quoted scalars are strings", "a: \"yes\"\nb: '0x1F'\nc: \"1e3\"\nd: ''\n", "{\"a\":\"yes\",\"b\":\"0x1F\",\"c\":\"1e3\",\"d\":\"\"}"],
  ["explicit tags", "a: !!str 12\nb: !!int \"12\"\nc: !!float 3\nd: !!binary aGVsbG8=\ne: !foo bar\nf: ! 12\ng: !!bool yes\nh: !!null \"\"\n", "{\"a\":\"12\",\"b\":12,\"c\":3,\"d\":\"hello\",\"e\":\"bar\",\"f\":\"12\",\"g\":true,\"h\":null}"],
  ["non-string keys", "1: a\n1.5: b\ntrue: c\non: d\n0x10: e\n1e3: f\n0.1: g\n", "{\"0.1\":\"g\",\"1\":\"a\",\"1.5\":\"b\",\"1000\":\"f\",\"16\":\"e\",\"true\":\"d\"}"],
  ["merge key with one map", "base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n", "{\"base\":{\"true\":2,\"x\":1},\"m\":{\"true\":3,\"x\":1}}"],
  ["merge key after explicit keys overrides them (go-yaml v2)", "base: &b {x: 1, y: 2}\nm:\n  y: 3\n  <<: *b\n", "{\"base\":{\"true\":2,\"x\":1},\"m\":{\"true\":2,\"x\":1}}"],
  ["merge key with a list (earlier maps win)", "a: &a {x: 1}\nb: &b {x: 2, y: 2}\nm:\n  <<: [*a, *b]\n", "{\"a\":{\"x\":1},\"b\":{\"true\":2,\"x\":2},\"m\":{\"true\":2,\"x\":1}}"],
  ["quoted << is a plain key", "m:\n  \"<<\": {x: 1}\n", "{\"m\":{\"\\u003c\\u003c\":{\"x\":1}}}"],
  ["anchors and aliases", "a: &x [1, {b: c}]\nd: *x\ne: &s hello\nf: *s\n", "{\"a\":[1,{\"b\":\"c\"}],\"d\":[1,{\"b\":\"c\"}],\"e\":\"hello\",\"f\":\"hello\"}"],
  ["duplicate keys: last wins", "a: 1\nb: 2\na: 3\n", "{\"a\":3,\"b\":2}"],
  ["first document only", "a: 1\n---\nb: 2\n", "{\"a\":1}"],
  ["empty document", "", "null"],
  ["comment-only document", "# just a comment\n", "null"],
  ["block scalars", "lit: |\n  a\n   b\n\n  c\nfold: >\n  a\n  b\n\n  c\nkeep: |+\n  x\n\nstrip: |-\n  y\nind: |2\n    four\n  two\nfoldstrip: >-\n  p\n  q\n", "{\"fold\":\"a b\\nc\\n\",\"foldstrip\":\"p q\",\"ind\":\"  four\\ntwo\\n\",\"keep\":\"x\\n\\n\",\"lit\":\"a\\n b\\n\\nc\\n\",\"strip\":\"y\"}"],
  ["multi-line plain and quoted", "a: one\n  two\n\n  three\nb: \"x\n  y\\\n  z\"\nc: 'it''s\n  here'\n", "{\"a\":\"one two\\nthree\",\"b\":\"x yz\",\"c\":\"it's here\"}"],
  ["double-quoted escapes", "a: \"\\x41\\u00e9\\U0001F600\\t\\n\\\\\\\"\\0\\a\\e\\N\\_\\L\\P\"\nb: \"\\'\"\n", "{\"a\":\"Aé😀\\t\\n\\\\\\\"\\u0000\\u0007\\u001b \\u2028\\u2029\",\"b\":\"'\"}"],
  ["comments and flow collections", "# c\na: [1, two, \"3\", {x: y}] # trailing\nb: {c: [], d: {}}\n", "{\"a\":[1,\"two\",\"3\",{\"x\":true}],\"b\":{\"c\":[],\"d\":{}}}"],
  ["CRLF line endings", "a: 1\r\nb: |\r\n  x\r\n  y\r\n", "{\"a\":1,\"b\":\"x\\ny\\n\"}"],
  ["a sequence at the root", "- a\n- 1\n- [b]\n", "[\"a\",1,[\"b\"]]"],
  ["a scalar at the root", "hello\n", "\"hello\""],
  ["kubernetes-style document", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n  annotations:\n    a: \"true\"\n    b: 15001\nspec:\n  containers:\n  - name: c\n    args: [\"-p\", \"15001\", yes]\n    resources: {}\n", "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"annotations\":{\"a\":\"true\",\"b\":15001},\"name\":\"x\"},\"spec\":{\"containers\":[{\"args\":[\"-p\",\"15001\",true],\"name\":\"c\",\"resources\":{}}]}}"],
];
