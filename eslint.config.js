// One flat config for the workspace. Boundaries between packages are enforced here and in
// tests/e2e/architecture.test.ts; formatting is left to the editor.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'data/**', 'packages/web/public/**', 'packages/web/vite.config.mjs', 'packages/web/build/**', 'scripts/*.mjs', 'packages/*/bin/*.mjs', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'before', 'after', 'beforeEach', 'afterEach'] }] },
      ],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      // Fastify handlers are async by contract even when they do not await.
      '@typescript-eslint/require-await': 'off',
      'no-console': 'error',
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    files: ['packages/protocol/src/**', 'packages/crypto/src/**', 'packages/sdk/src/**'],
    // The SDK's Node preview maker is a Node-only subpath export (tests/e2e/architecture.test.ts checks no browser entry reaches it).
    ignores: ['**/*.test.ts', 'packages/sdk/src/previews/node.ts', 'packages/sdk/src/node/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:*'], message: 'protocol, crypto and sdk run in browsers too: no Node APIs.' }] }],
    },
  },
  {
    files: ['packages/server/src/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@flint/kms', '@flint/kms/*'], message: 'The core never imports the KMS: they talk only through the KMS protocol.' }] },
      ],
    },
  },
  {
    files: ['packages/gateway/src/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@flint/server', '@flint/server/*', '@flint/kms', '@flint/kms/*', '@flint/db', '@flint/db/*'], message: 'The gateway acts as its callers through the SDK: it never imports the core, the KMS or their storage.' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.test.ts', 'scripts/**', 'tests/**'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: { 'no-console': 'off' },
  },
);
