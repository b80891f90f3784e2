// parseOwn hands node:util parseArgs only the options a command line can name (options.ts parseArgsOptions). That is
// safe only if parseArgs never consults an option the line does not name: these tests compare the full table and
// the limited one on random command lines built from the tables' own names, letters and awkward values, result for
// result and error for error.
import assert from 'node:assert/strict';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { COMMANDS } from '../../src/cli/commands.js';
import { fileOptions, parseArgsOptions, parseOwn, type OptionTable } from '../../src/cli/options.js';

type Outcome = { values: unknown; positionals: string[] } | { error: string; code: unknown };

function outcome(argv: string[], options: ReturnType<typeof parseArgsOptions>): Outcome {
  try {
    const p = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: { ...p.values }, positionals: p.positionals };
  } catch (err) {
    return { error: (err as Error).message, code: (err as { code?: unknown }).code };
  }
}

/** Command lines over `table`: its long names (bare and with =value), its short letters alone and in groups, names
 * it does not have, values that look like options, and the `--` terminator. */
function lines(table: OptionTable): fc.Arbitrary<string[]> {
  const names = Object.keys(table);
  const letters = Object.values(table).flatMap((o) => (o.short ? [o.short] : []));
  const value = fc.constantFrom('v', 'a.yaml', '-', '--', '-x', '--age', '', '=', 'x=y', '-q', '--file=a');
  const token = fc.oneof(
    fc.constantFrom(...names).map((n) => `--${n}`),
    fc.tuple(fc.constantFrom(...names), value).map(([n, v]) => `--${n}=${v}`),
    fc.constantFrom('--no-such', '--', '-', '--=x', '---x', '-Z', '-=', '--age-', 'positional'),
    ...(letters.length
      ? [
          fc.constantFrom(...letters).map((l) => `-${l}`),
          fc.array(fc.constantFrom(...letters, 'Z', '=', 'v'), { minLength: 2, maxLength: 4 }).map((ls) => `-${ls.join('')}`),
        ]
      : []),
    value,
  );
  return fc.array(token, { maxLength: 8 });
}

const full = (table: OptionTable) => parseArgsOptions(table);

describe('parseOwn: parseArgs with the options a command line names', () => {
  const tables: [string, OptionTable][] = [
    ['file commands', fileOptions()],
    ...COMMANDS.filter((c) => c.parse === 'own' && c.options && Object.keys(c.options).length).map((c): [string, OptionTable] => [c.name, c.options!]),
  ];
  for (const [name, table] of tables) {
    it(`${name}: the same values, positionals and errors as with the whole table`, () => {
      fc.assert(
        fc.property(lines(table), (argv) => {
          assert.deepStrictEqual(outcome(argv, parseArgsOptions(table, argv)), outcome(argv, full(table)), JSON.stringify(argv));
        }),
        { numRuns: 1500 },
      );
    });
  }

  it('hands parseArgs only the options named on the line (and none for a line of positionals)', () => {
    const table = fileOptions();
    assert.deepStrictEqual(Object.keys(parseArgsOptions(table, ['decrypt', 'a.yaml'])), []);
    assert.deepStrictEqual(Object.keys(parseArgsOptions(table, ['--output=x', '-iq', 'a.yaml'])).sort(), ['in-place', 'output', 'quiet']);
    assert.ok(Object.keys(full(table)).length > 30);
  });

  it('errors still name the option as the whole table spells it', () => {
    const table = fileOptions();
    assert.throws(() => parseOwn(['--in-place=x'], table), /Option '-i, --in-place' does not take an argument/);
    assert.throws(() => parseOwn(['--output', '-x'], table), /Option '--output' argument is ambiguous/);
    assert.throws(() => parseOwn(['a.yaml', '--output'], table), /Option '--output <value>' argument missing/);
    assert.throws(() => parseOwn(['--no-such-flag'], table), { message: "Unknown option '--no-such-flag'" });
    const p = parseOwn(['--age', 'r1', '--age=r2', 'a.yaml'], table);
    assert.deepStrictEqual({ values: { ...p.values }, positionals: p.positionals }, { values: { age: ['r1', 'r2'] }, positionals: ['a.yaml'] });
  });
});
