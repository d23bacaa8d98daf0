// Lint rules, including the import boundaries of ARCHITECTURE.md: server/ and protocol/ never
// import `vscode`; webview/ and protocol/ never import Node modules.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeModules = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.test-run/**', 'docs/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    files: ['server/**/*.ts', 'protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'server/ and protocol/ run outside VS Code.' }] }],
    },
  },
  {
    files: ['webview/**/*.ts', 'protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'vscode', message: 'webview/ and protocol/ never import vscode.' },
            ...nodeModules.map((name) => ({ name, message: 'webview/ and protocol/ run in a browser: no Node modules.' })),
          ],
        },
      ],
    },
  },
);
