// helm-secrets's switch options before the command (`--name`, `--name true|false`, `--name=value`).
import assert from 'node:assert/strict';
import { SWITCHES, takeSwitch } from '../../src/helm/globalopts.js';

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
});
