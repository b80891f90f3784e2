// helm-secrets's global options before the command: -q, -a, -b and the switches (`--name`, `--name true|false`,
// `--name=value`), read in one place for the CLI's entry and the wrapper.
import assert from 'node:assert/strict';
import { isQuietEnv } from '../../src/cli/console.js';
import { SWITCHES, quietFromEnv, takeGlobalOption } from '../../src/helm/globalopts.js';

const takeSwitch = (argv: string[], i: number, env: NodeJS.ProcessEnv) => takeGlobalOption(argv, i, env, { quiet: false });

describe('global switch options', () => {
  it('take one or two arguments and set their variable; anything else is not theirs', () => {
    const cases: [string[], number, string | undefined][] = [
      [['--ignore-missing-values', 'template'], 1, 'true'],
      [['--ignore-missing-values', 'false', 'template'], 2, 'false'],
      [['--ignore-missing-values', 'true'], 2, 'true'],
      [['--ignore-missing-values=false'], 1, 'false'],
      [['--ignore-missing-values', 'yes'], 1, 'true'],
      [['--ignore-missing'], 0, undefined],
      [['template'], 0, undefined],
    ];
    for (const [argv, took, value] of cases) {
      const env: NodeJS.ProcessEnv = {};
      assert.equal(takeSwitch(argv, 0, env), took, argv.join(' '));
      assert.equal(env.HELM_SECRETS_IGNORE_MISSING_VALUES, value, argv.join(' '));
    }
  });

  it('knows the four switches helm-secrets documents', () => {
    assert.deepEqual(Object.keys(SWITCHES).sort(), ['--decrypt-secrets-in-tmp-dir', '--evaluate-templates', '--evaluate-templates-decode-secrets', '--ignore-missing-values']);
    const env: NodeJS.ProcessEnv = {};
    takeSwitch(['--evaluate-templates-decode-secrets=true'], 0, env);
    assert.deepEqual(env, { HELM_SECRETS_EVALUATE_TEMPLATES_DECODE_SECRETS: 'true' });
  });

  it('-q, -a and -b: how many arguments each takes, and what it sets', () => {
    const cases: [string[], number, NodeJS.ProcessEnv, boolean][] = [
      [['-q', 'template'], 1, {}, true],
      [['--quiet'], 1, {}, true],
      [['-a', '--ignore-mac', 'template'], 2, { HELM_SECRETS_BACKEND_ARGS: '--ignore-mac' }, false],
      [['--backend-args=--ignore-mac'], 1, { HELM_SECRETS_BACKEND_ARGS: '--ignore-mac' }, false],
      [['-a'], 2, { HELM_SECRETS_BACKEND_ARGS: '' }, false],
      [['-b', 'vals', 'template'], 2, { HELM_SECRETS_BACKEND: 'vals' }, false],
      [['--backend=noop'], 1, { HELM_SECRETS_BACKEND: 'noop' }, false],
      [['--backend', ''], 2, {}, false],
      [['template', '-q'], 0, {}, false],
    ];
    for (const [argv, took, env, quiet] of cases) {
      const got: NodeJS.ProcessEnv = {};
      const run = { quiet: false };
      assert.equal(takeGlobalOption(argv, 0, got, run), took, argv.join(' '));
      assert.deepEqual(got, env, argv.join(' '));
      assert.equal(run.quiet, quiet, argv.join(' '));
    }
    assert.throws(() => takeGlobalOption(['-b', 'no-such-backend'], 0, {}, { quiet: false }), /no-such-backend/);
    assert.throws(() => takeGlobalOption(['-b', 'vals'], 0, { HELM_SECRETS_ALLOWED_BACKENDS: 'sops' }, { quiet: false }), /vals/);
  });

  it('HELM_SECRETS_QUIET as helm-secrets reads it, the same for the wrapper and the file commands', () => {
    const cases: [NodeJS.ProcessEnv, boolean][] = [
      [{}, false],
      [{ HELM_SECRETS_QUIET: '' }, false],
      [{ HELM_SECRETS_QUIET: 'false' }, false],
      [{ HELM_SECRETS_QUIET: 'true' }, true],
      [{ HELM_SECRETS_QUIET: '1' }, true],
      [{ HELM_SECRETS_QUIET: 'yes' }, true],
      // Its scripts print only when the value is exactly "false".
      [{ HELM_SECRETS_QUIET: 'False' }, true],
      [{ HELM_SECRETS_QUIET: '0' }, true],
      // Under Argo CD the default is quiet; an empty value counts as unset.
      [{ ARGOCD_APP_NAME: 'app' }, true],
      [{ ARGOCD_APP_NAME: 'app', HELM_SECRETS_QUIET: '' }, true],
      [{ ARGOCD_APP_NAME: 'app', HELM_SECRETS_QUIET: 'false' }, false],
    ];
    for (const [env, quiet] of cases) {
      assert.equal(quietFromEnv(env), quiet, JSON.stringify(env));
      assert.equal(isQuietEnv(env), quiet, JSON.stringify(env));
    }
  });
});
