// ESLint: the recommended JavaScript and typescript-eslint rules (syntax-only, no type information,
// so it stays fast on 2 cores); Prettier owns the formatting (eslint-config-prettier is not needed:
// the recommended sets contain no stylistic rules).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'src/onnx/onnx-proto.js',
      'src/onnx/onnx-proto.d.ts',
      'examples/07-demo/dist/**',
      'runs/**',
      '.cache/**',
      '.device/**',
      'results/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // a disable comment that no longer silences anything is an error: each one must mean something
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: {
        // Node and browser globals used by the sources
        process: 'readonly',
        Buffer: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
    rules: {
      'no-undef': 'off', // TypeScript checks names
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
);
