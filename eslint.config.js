import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

/** Which package may import which: the one direction of DESIGN.md. */
const depConstraints = [
  { sourceTag: 'scope:serde', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'scope:core', onlyDependOnLibsWithTags: ['scope:serde'] },
  { sourceTag: 'scope:streams', onlyDependOnLibsWithTags: ['scope:core', 'scope:serde'] },
  { sourceTag: 'scope:testing', onlyDependOnLibsWithTags: ['scope:streams', 'scope:core', 'scope:serde'] },
  { sourceTag: 'scope:examples', onlyDependOnLibsWithTags: ['scope:testing', 'scope:streams', 'scope:core', 'scope:serde'] },
];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.nx/**', '**/coverage/**'] },
  ...tseslint.configs.recommended,
  {
    // Project code and tests: the boundary rule. Tests may use the repo's broker launcher.
    files: ['packages/*/src/**/*.ts', 'packages/*/test/**/*.ts', 'apps/*/src/**/*.ts', 'apps/*/test/**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { enforceBuildableLibDependency: false, allow: ['../../../scripts/kafka.mjs', '../../../scripts/maven-jars.mjs', '../../../scripts/kstreams-jars.mjs'], depConstraints },
      ],
    },
  },
  {
    files: ['**/*.ts', '**/*.mjs', '**/*.js'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportAllDeclaration', message: 'Curate the public surface: export names, not whole modules.' },
      ],
    },
  },
  {
    files: ['scripts/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', Buffer: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
  },
);
