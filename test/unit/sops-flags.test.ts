// bin/sops's flag syntax (src/cli/sops/flags.ts): Go's flag package as urfave/cli v1 uses it.
import { strict as assert } from 'node:assert';
import { flags, isSet, last, parseFlags } from '../../src/cli/sops/flags.js';

const TABLE = [...flags('bool', 'in-place,i', 'decrypt,d'), ...flags('string', 'output', 'age,a'), ...flags('slice', 'keyservice'), ...flags('int', 'indent')];

function parse(argv: string[], interspersed = true) {
  return parseFlags(argv, TABLE, interspersed);
}

describe('bin/sops flag parser', () => {
  it('one or two dashes, a value after the flag or after =, aliases under the first name', () => {
    const p = parse(['-output', 'o.yaml', '--age=age1x', '-a', 'age1y', '-i', 'f.yaml']);
    assert.equal(last(p, 'output'), 'o.yaml');
    assert.deepEqual(p.values.get('age'), ['age1x', 'age1y']);
    assert.equal(last(p, 'age'), 'age1y');
    assert.ok(isSet(p, 'in-place'));
    assert.deepEqual(p.positionals, ['f.yaml']);
    assert.equal(p.kinds.get('age'), 'string');
    assert.equal(parse(['--keyservice', 'a', '--keyservice=b']).kinds.get('keyservice'), 'slice');
  });

  it('booleans take =true/=false (and Go\'s other spellings) but never the next argument', () => {
    assert.ok(!isSet(parse(['-i=false', 'f']), 'in-place'));
    assert.ok(isSet(parse(['--in-place=T', 'f']), 'in-place'));
    assert.deepEqual(parse(['-i', 'false']).positionals, ['false']);
    assert.throws(() => parse(['-i=maybe']), /invalid boolean value "maybe" for -i/);
  });

  it('a value may start with a dash; a missing value and an unknown flag are usage errors in sops\'s words', () => {
    assert.equal(last(parse(['--output', '-weird-name']), 'output'), '-weird-name');
    assert.throws(() => parse(['f', '--output']), /^SopsError: Incorrect Usage: flag needs an argument: -output$/);
    assert.throws(() => parse(['--nope']), /Incorrect Usage: flag provided but not defined: -nope/);
    assert.throws(() => parse(['---i']), /flag provided but not defined/);
    assert.throws(() => parse(['--indent', 'two']), /invalid value "two" for flag -indent/);
  });

  it('-- ends the flags; "-" is a positional (stdin)', () => {
    const p = parse(['--', '-i', 'f']);
    assert.ok(!isSet(p, 'in-place'));
    assert.deepEqual(p.positionals, ['-i', 'f']);
    assert.deepEqual(parse(['-']).positionals, ['-']);
  });

  it('subcommands take flags after positionals; the app level stops at the first positional', () => {
    const sub = parse(['f.yaml', '-i', 'g.yaml']);
    assert.ok(isSet(sub, 'in-place'));
    assert.deepEqual(sub.positionals, ['f.yaml', 'g.yaml']);
    const app = parse(['-d', 'decrypt', '-i', 'f.yaml'], false);
    assert.ok(isSet(app, 'decrypt'));
    assert.ok(!isSet(app, 'in-place'));
    assert.deepEqual(app.positionals, ['decrypt', '-i', 'f.yaml']);
  });
});
