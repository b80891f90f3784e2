// Inputs for the YAML store's differential test against go-yaml: realistic values files to mutate (SEEDS), and
// fixed regression cases (REGRESSIONS): every case an issue reported, and every disagreement the test ever found.

export const SEEDS: string[] = [
  `# Default values for the app
replicaCount: 2
image:
  repository: registry.example.com/app   # the image
  tag: "1.4.2"
  pullPolicy: IfNotPresent

# database settings
db:
  host: db.internal
  port: 5432
  password: Hunter2   # rotate me
  options: {sslmode: require, timeout: 30}
ingress:
  enabled: true
  hosts:
    - host: app.example.com
      paths:
        - path: /
          pathType: Prefix
    # the second host
    - host: www.example.com
  tls: []
`,
  `defaults: &defaults
  adapter: postgres
  host: localhost
development:
  <<: *defaults
  database: dev
list:
  - &first one
  - *first
  - [a, b, 'c d']
`,
  `certificate: |
  -----BEGIN CERTIFICATE-----
  MIIBszCCAVmgAwIBAgIUQ
  -----END CERTIFICATE-----
folded: >
  a long
  folded text

kept: |+
  keep

stripped: |-
  strip
multiline: |
  multi
  line`,
  `---
a: 1
...
---
# second document
b: "two"
c: 'it''s'
d: "tab\\there \\u00e9 \\x41"
e: ~
f: 2024-01-01
g: 0x1F
h: 1e3
i: .inf
j: !!str 12
k: !!binary aGVsbG8=
`,
  `key with spaces: value
"quoted key": 1
'single': 2
? explicit key
: explicit value
nested:
    deeper:
        deepest: x
    # foot of deeper
empty:
seq_at_col:
- a
- b:
    c: d
`,
  `sops_like:
    data: ENC[AES256_GCM,data:abc=,iv:def=,tag:ghi=,type:str]
    list:
        - ENC[AES256_GCM,data:xyz=,iv:def=,tag:ghi=,type:int]
    #ENC[AES256_GCM,data:cmt=,iv:def=,tag:ghi=,type:comment]
sops:
    age:
        - recipient: age1qqqq
          enc: |
            -----BEGIN AGE ENCRYPTED FILE-----
            YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgy
            -----END AGE ENCRYPTED FILE-----
    lastmodified: "2024-01-01T00:00:00Z"
    mac: ENC[AES256_GCM,data:mac=,iv:def=,tag:ghi=,type:str]
    version: 3.9.0
`,
];

export const REGRESSIONS: string[] = [
  // issue: accepted although go-yaml and helm refuse
  'a: "x" y\n',
  'a: 1\n b: 2\n',
  'a:\n  b: 1\n c: 2\n',
  'a:\n\tb: 1\n',
  'a: b: c\n',
  'password: Hunter2: Sup3r\n',
  'a: [unclosed\n',
  'a: {b: 1\n',
  'a: "x\\/y"\n',
  'a: x\x01y\n',
  '%FOO bar\n---\na: 1\n',
  // issue: line breaks go-yaml reads (NEL, LS, PS) in comments, values and keys
  'a: 1\n# rotated\u2028password: attacker\n',
  'a: 1 # c\u2028b: 2\n',
  'a:\n  b: 1\n  # c\u2029  c: 2\n',
  'a: 1\n# c\u0085b: 2\n',
  'a: x\u2028y\n',
  'a: "x\u2028y"\n',
  'k\u2028ey: 1\n',
  // issue: block scalars at the end of the file
  'multiline: |\n  multi\n  line',
  'multiline: >\n  multi\n  line',
  'k: |-\n\n  x\n',
  'k: |+\n  x\n\n',
  // aliases and anchors
  'a: &x 1\n---\nb: *x\n',
  'a: &x [*x]\n',
  '<<: 1\n',
  '"<<": 1\n',
  'a: 1\na: 2\n',
  'k: 1e400\n',
  '# only a comment\n',
  '',
  '\n',
  '---\n',
  '- a\n',
  'x\n',
  'l:\n  # c\n  - x\n',
  'l:\n  - a:\n      b: 1\n    # c\n  - d\n',
  'key:\t# c\n',
  'a: "x"#c\n',
  'a: 1\n\t\nb: 2\n',
  `${'k'.repeat(1100)}: v\n`,
  // shapes from the sops corpus comparison (explicit keys, comments in lists and flows, block scalar ends)
  `${'k'.repeat(130)}: v\n`,
  '? |-\n  a\n  b\n: v\n',
  '? a\n:   nested: 1\n',
  'l:\n  - x # c\n  - y\n',
  'l:\n- # c\n  a: 1\n',
  'a: [1, # c\n  2]\n',
  'a: {b: 1, # c\n  c: 2}\n',
  'a: 1\n#\nb: 2\n',
  'a: x\n# foot at the end\n',
  'a:\n  b: x\n  # foot\n',
  'k: |+\n  x\n\n---\nb: 1\n',
  'a: 1\r\n# c\r\nb: 2\r\n',
  '# head\n\na: 1\n',
  // disagreements the differential test found while the reader and writer were built
  'k: !!binary aGVbG8=\n',
  'lorem:\n- foo\n#c',
  '# first com\r\nment i',
  'a:\n  b: 1\n\ufeff  c: 1\n',
  'c: |\n  x\n  ---}--END-----\u2029\nd: 1\n',
  'k: |-\n    a\n    \u2028b\n',
  'l:\n- # c\n  a: 1\n',
  'f: 1e3\n',
  'e: "\ufeffx"\n',
  'sops:\n    hc_vault:\n        # c\n    age: []\n',
  'a: {\n    # c\n}\nb: 1\n',
  'l:\n  -\n    # c\n    - x\n',
  '\ufeff',
  // fast-path comment shapes: a foot comment yaml.v3 gives to the last entry of a deeper mapping; after a flow value
  'l:\n  - a:\n      b: 1\n    # c\n  - d\n',
  'a: [] #\n',
  'a: {} # c\nb: 1\n',
  'a:\n  x: 1\n  # c\nb: 2\n',
  // found by other seeds of the differential test
  // !!binary whose bytes are not UTF-8: a Go string of raw bytes to sops, written back as !!binary
  'port: !!binary 5432\nlong: !!binary ////////////////////////////////////////////////////////////////////////////////////w==\n',
  // a pair's empty value in a flow sequence sits at its `:` (go-yaml's parser), in a flow mapping after it
  'l: [a, b: , \'c d\': ]\nm: {a: , b: }\n',
  // a block scalar starting with a line break in a list item's mapping: the indentation indicator counts from the
  // mapping's column (`|2`), not the indent step
  'sops:\n    pgp:\n        - created_at: x\n          enc: |-\n\n            -----BEGIN\n\n            =x\n          fp: 1\nl:\n  - |2-\n\n     x\n',
  // Go's time.Parse takes a comma before fractional seconds: a timestamp to go-yaml, so a string must be quoted
  't: 2019-08-29T21:52:3,2Z\nq: \'2019-08-29 21:52:03,25\'\n',
  // a no-break space after a block scalar header: go-yaml refuses it (the fast path trimmed it)
  'enc: |-\u00a0\n    x\n',
  // a list item's line comment of two lines: yaml.v3 continues it at the dash's column, not past the dash
  // (an anchored empty item gives its comment to the next item, whose line comment then has two lines)
  'age:\n    - &a # see key.txt\n    - age19 # humphd\n    - age13 # t\n',
  // found by the one-line scalar corpus: Go's ParseInt takes a sign after yaml.v3's own 0b/0o prefix
  'a: 0o-17\nb: 0b+101\nc: !!float 0b-1\nd: "0o-1"\n',
  // Go's time.Parse: any run of spaces before the time, offset minutes up to 60, at most 9 fraction digits
  'a: 2019-08-29  21:52:03\nb: 2019-08-29T21:52:03.1234567891Z\nc: 2019-08-29T01:02:03+01:60\nd: \'2019-8-9  1:2:3,5\'\n',
  // a scalar starting with `.` goes to Go's ParseFloat untouched, which takes `_` between digits (seed 31576)
  'a: .5_5\nb: .5e1_0\nc: ._5\nd: .5_e1\ne: ".5_5"\n',
  // go-yaml's stem-comment split ignores a scanner error on its peek; the retry finds the `]` (seed 4242, 200,000)
  'lorem:\n- foo\n#c\n- ]\r\nbar',
  'l:\n  - a\n  #c\n  - x\nbar',
  // a line comment of two lines before a block scalar: sops writes the second into the text; we quote the value
  'l:\n    - &a # a\n    - |- # b\n      x\n      y\n    - &c # c\n    - !!binary | # d\n      //////////////////////////////////////////////////////////////////////\n      //////////\n',
  // a text whose first line starts with a tab: a block scalar needs an indentation indicator (sops cannot write it)
  'a: "\\tx\\ny"\nb: "\\t\\n[#"\n"\\tk\\nz": 1\n',
  // empty !!binary bytes are written `!!binary ""`: an empty scalar loses the comments around it on reading
  'l:\n    # c\n    - !!binary "" # d\n',
  // ... and that error is reported once the event is made, before the composer sees it (seed 29786)
  'list:\n  # c\n  - *first\n  -1e400 [a]\n',
];
