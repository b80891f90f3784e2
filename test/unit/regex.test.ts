// Go RE2 patterns through goRegex (re2js): each pattern must match exactly what Go's regexp.MatchString matches,
// patterns Go rejects must come back null, i.e. never match, and matching stays linear in the input.
import { strict as assert } from 'node:assert';
import { goRegex } from '../../src/sops/goregex.js';

// [pattern, strings Go matches, strings Go does not match]
const TABLE: Array<[string, string[], string[]]> = [
  // The Kubernetes Secret idiom used with encrypted_regex.
  ['^(data|stringData)$', ['data', 'stringData'], ['xdata', 'data2', 'Data', 'metadata']],
  // Unanchored, like MatchString.
  ['password', ['db_password_x', 'password'], ['passwd']],
  ['\\.yaml$', ['secrets.yaml', 'dir/x.yaml'], ['x.yaml.bak', 'xyaml']],
  ['(?i)^password$', ['PASSWORD', 'Password', 'password'], ['passwords']],
  ['(?i)secret', ['MySecret', 'SECRET'], ['secre']],
  ['pass(?i)word', ['passWORD', 'password'], ['PASSword', 'Password']],
  ['(?i:A)b', ['ab', 'Ab'], ['aB', 'AB']],
  ['(?i)a(?-i)b', ['Ab', 'ab'], ['AB', 'aB']],
  ['x(?i)[a-c]', ['xB', 'xa'], ['XB', 'xd']],
  ['(?i)[a-c]', ['B', 'c'], ['d', 'D']],
  ['(?s)a.b', ['a\nb', 'axb'], []],
  ['a.b', ['axb', 'a\u00e9b', 'a\u{1F600}b'], ['a\nb']],
  ['(?m)^b$', ['a\nb\nc', 'b'], ['ab', 'a\nbc']],
  ['^b$', ['b'], ['a\nb', 'b\n']],
  ['a\\z', ['ba'], ['a\n', 'ab']],
  ['\\Aa', ['ab'], ['ba', '\na']],
  ['(?P<name>x)y', ['xy'], ['x', 'yx']],
  ['(?<name>x)y', ['xy'], ['x']],
  ['(?:ab)+c', ['ababc'], ['ac']],
  ['a{2,3}$', ['aa', 'baaa'], ['a']],
  ['a{,2}', ['a{,2}'], ['aa']],
  ['x{', ['x{'], ['x']],
  ['[]a]', [']', 'a'], ['b']],
  ['[^]a]', ['b'], [']', 'a']],
  ['[a-]', ['-', 'a'], ['b']],
  ['[[:alpha:]]+[[:digit:]]', ['ab1'], ['1', 'ab']],
  ['[[:^digit:]]', ['a'], ['5']],
  ['\\Qa.b\\E', ['a.b'], ['axb']],
  ['\\Qab\\E{2}', ['abb'], ['abab']],
  ['\\s', [' ', '\t', '\n'], ['\v', '\u00a0', 'x']],
  ['^\\S+$', ['abc', '\u00a0'], ['a b']],
  ['[\\S]', ['x'], [' ', '\n']],
  ['\\d+', ['42'], ['x', '\u0663']],
  ['\\w', ['_'], ['-', '\u00e9']],
  ['\\bkey\\b', ['a key here'], ['keys']],
  ['\\p{Greek}', ['\u03b1'], ['a']],
  ['\\pL', ['a', '\u00e9'], ['1']],
  ['\\PL', ['1'], ['a']],
  ['\\p{Lu}', ['A'], ['a']],
  ['x\\-y\\_z', ['x-y_z'], []],
  ['\\x41\\x{42}\\101\\t', ['ABA\t'], []],
  ['^*a', ['a'], []],
  ['(?U)a+', ['a'], ['b']],
  ['a|b', ['a', 'b'], ['c']],
  ['', ['', 'anything'], []],
  ['_unencrypted$', ['key_unencrypted'], ['key_unencrypted_no']],
  ['\\.(yml|yaml|json|env)$', ['a.json', 'b.env'], ['c.ini']],
  ['caf\u00e9', ['caf\u00e9'], ['cafe']],
  // Go accepts an empty group and a class holding `(?)`; only a bare `(?)` is refused.
  ['(?:)x', ['x'], ['y']],
  ['[(?)]', ['?', '('], ['x']],
];

// Go rejects all of these (or JS has no equivalent); they must never match.
const INVALID = [
  '(?=a)',
  '(?!a)',
  '(?<=a)b',
  '(?<!a)b',
  'a\\1',
  '(',
  ')',
  '[a',
  'a**',
  '*a',
  '\\e',
  '\\Z',
  'a{1001}',
  'a{3,2}',
  '(?i',
  '(?)',
  '(?i-)',
  '\\8',
  '[z-a]',
  '[[:foo:]]',
  '\\p{NotAScript}',
  '\\',
];

describe('goRegex (Go RE2 syntax, linear matching)', () => {
  for (const [pattern, yes, no] of TABLE) {
    it(`${JSON.stringify(pattern)} matches like Go`, () => {
      const re = goRegex(pattern);
      assert.ok(re, `pattern ${pattern} should compile`);
      for (const s of yes) assert.equal(re.test(s), true, `${pattern} should match ${JSON.stringify(s)} (JS: ${re.source})`);
      for (const s of no) assert.equal(re.test(s), false, `${pattern} should not match ${JSON.stringify(s)} (JS: ${re.source})`);
    });
  }

  it('returns null for every pattern Go rejects', () => {
    for (const pattern of INVALID) assert.equal(goRegex(pattern), null, `${pattern} should be invalid`);
  });

  it('returns the same RegExp for the same pattern (compiled once)', () => {
    assert.equal(goRegex('^(data|stringData)$'), goRegex('^(data|stringData)$'));
  });

  it('matches nested quantifiers in linear time (no backtracking)', () => {
    const re = goRegex('^(a+)+$')!;
    const t0 = performance.now();
    assert.equal(re.test('a'.repeat(5000) + '!'), false);
    assert.ok(performance.now() - t0 < 1000, `took ${performance.now() - t0} ms`);
  });
});
