// ESLint for `npm run lint`: typescript-eslint's strict type-checked rules over src/ and bench/, its recommended
// (syntax-only) rules over test/ and scripts/. A rule turned off or relaxed here says why beside it.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.helm/**', 'bench/results/**'] },
  js.configs.recommended,
  {
    files: ['src/**/*.ts', 'bench/**/*.ts'],
    extends: [...tseslint.configs.strictTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Messages interpolate counts, sizes and flags; numbers and booleans print as they should.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // tsconfig has no noUncheckedIndexedAccess, so `x[i]` is typed as present; `!` marks the few places where a
      // value the types call optional is known to be there (a regex group that matched, a map entry just set).
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Errors are rebuilt on purpose as one-line messages without the original error attached: the original may
      // quote file contents (a parser's message), and nothing of a caught error may reach a log but its cause line.
      'preserve-caught-error': 'off',
      // Values read from files, the environment and parsed YAML are typed as what they should be; the checks that
      // the types call unnecessary are the ones that refuse what an attacker's file holds instead.
      '@typescript-eslint/no-unnecessary-condition': 'off',
      // Key entry fields are `unknown` (a file may hold anything there) and are printed with String(); an object
      // there prints as [object Object] in a message, which is what it should say.
      '@typescript-eslint/no-base-to-string': 'off',
      // Text is built from counts and offsets ('#' + n).
      '@typescript-eslint/restrict-plus-operands': ['error', { allowNumberAndString: true }],
      // As tsconfig's noUnusedParameters: a parameter an interface requires but this implementation ignores is `_x`.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Methods of interfaces that return promises (a getter's keyDir, a token credential's getToken) stay async, so
      // that a throw inside them is a rejection, as their callers expect.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['test/**/*.ts', 'test/**/*.cjs', 'test/**/*.mjs', 'scripts/**/*.mjs', 'scripts/**/*.cjs', 'bin/**/*.js', 'eslint.config.mjs', 'knip.ts'],
    extends: [...tseslint.configs.recommended],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly', __filename: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', URL: 'readonly', performance: 'readonly', fetch: 'readonly', globalThis: 'readonly' } },
    rules: {
      // Tests assert on shapes they just built; `!` and `any` there are how a test says "this is there".
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      // `const { VAR: _v, ...rest } = env`: a copy of the environment without one variable.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true, varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['test/**/*.ts'],
    // Tests feed control characters to the code on purpose (log forging, escapes).
    rules: { 'no-control-regex': 'off' },
  },
  {
    files: ['scripts/**/*.cjs', 'bin/**/*.js', 'test/**/*.cjs'],
    rules: {
      // CommonJS by design: the entry point is written in syntax every Node parses, so that an old one gets the
      // version message instead of a syntax error (`var`, a named catch binding).
      '@typescript-eslint/no-require-imports': 'off',
      'no-var': 'off',
      'prefer-const': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { caughtErrors: 'none' }],
    },
  },
);
