// helm-secrets's switch options before the command (`--name`, `--name true|false`, `--name=value`).
import assert from 'node:assert/strict';
import { isQuietEnv } from '../../src/cli/console.js';
import { SWITCHES, quietFromEnv, takeSwitch } from '../../src/helm/globalopts.js';

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
