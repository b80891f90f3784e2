// One shape for commands: each command's help is generated from the option table it is parsed with, so the two
// cannot drift; every listed option is accepted, every accepted option is either listed or named as accepted
// without effect; the overview lists every command of the registry.
import assert from 'node:assert/strict';
import { COMMANDS, findCommand } from '../../src/cli/commands.js';
import { helpPage } from '../../src/cli/command.js';
import { overview } from '../../src/cli/help.js';
import { parseFileCommand } from '../../src/cli/args.js';
import { parseOwn } from '../../src/cli/options.js';
import { setVerbose } from '../../src/log.js';

const sample = (type: string) => (type === 'string' ? ['2'] : []);

describe('commands: help generated from the option tables', () => {
  // Parsing --verbose turns on the process-wide log: leave it off for the suites after this one.
  after(() => setVerbose(false));
  it('the registry has every command once, names and aliases unique', () => {
    const names = COMMANDS.flatMap((c) => [c.name, ...(c.aliases ?? [])]);
    assert.equal(new Set(names).size, names.length);
    for (const n of ['encrypt', 'decrypt', 'enc', 'dec', 'view', 'edit', 'set', 'unset', 'updatekeys', 'rotate', 'groups', 'filestatus', 'exec-env', 'exec-file', 'check', 'git', 'completion', 'clean', 'version', 'dir']) {
      assert.ok(findCommand(n), n);
    }
  });

  it('the overview lists each visible command with its summary', () => {
    const page = overview();
    for (const c of COMMANDS.filter((c) => !c.hidden)) assert.ok(page.includes(`  ${c.name.padEnd(10)}  ${c.summary}`), c.name);
  });

  for (const cmd of COMMANDS.filter((c) => c.options)) {
    it(`${cmd.name}: every option its help lists is accepted by its parser, and listed with its spelling`, () => {
      const page = helpPage(cmd);
      for (const [name, o] of Object.entries(cmd.options!)) {
        const listed = !o.hidden && (!cmd.listed || cmd.listed(name));
        if (listed) {
          assert.ok(page.includes(`--${name}`), `${cmd.name}: --${name} missing from its help`);
          if (o.short) assert.ok(page.includes(`-${o.short}, --${name}`), `${cmd.name}: -${o.short} missing`);
        }
        // Whatever the table has, the parser takes (and the reverse: it takes nothing else).
        const argv = [`--${name}`, ...sample(o.type)];
        if (cmd.parse === 'file') {
          if (name === 'terraform' && cmd.name !== 'decrypt') continue;
          assert.doesNotThrow(() => parseFileCommand(argv, {}, cmd.name, cmd.options), `${cmd.name} --${name}`);
        } else assert.doesNotThrow(() => parseOwn(argv, cmd.options!), `${cmd.name} --${name}`);
      }
      const unknown = () => (cmd.parse === 'file' ? parseFileCommand(['--no-such-flag'], {}, cmd.name, cmd.options) : parseOwn(['--no-such-flag'], cmd.options!));
      assert.throws(unknown, /Unknown option '--no-such-flag'/);
    });
  }

  it('--verbose and --hckms, accepted by the file commands, are in their help', () => {
    const page = helpPage(findCommand('encrypt')!);
    assert.match(page, /--verbose/);
    assert.match(page, /--hckms ID/);
  });

  it('an option a command accepts and does not use is named as such in its help: the help is the parser', () => {
    const dec = helpPage(findCommand('decrypt')!);
    assert.match(dec, /Accepted without effect here[^:]*: --age, --pgp, --kms/);
    for (const cmd of COMMANDS.filter((c) => c.options)) {
      const page = helpPage(cmd).replace(/\s+/g, ' ');
      for (const name of Object.keys(cmd.options!)) {
        if (name === 'terraform' && cmd.name !== 'decrypt') continue;
        assert.ok(page.includes(`--${name}`), `${cmd.name} accepts --${name} but its help does not name it`);
      }
    }
  });
});
