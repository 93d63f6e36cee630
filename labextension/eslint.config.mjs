// ESLint for the explorer's TypeScript (as JupyterLab's extension template lints): the
// recommended rules of ESLint and typescript-eslint; the generated protocol types are not ours.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['lib/', 'core/', 'node_modules/', 'src/generated/', 'jest.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      eqeqeq: 'error',
      curly: 'error',
    },
  },
);
