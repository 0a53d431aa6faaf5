// The repository's rules, plus the browser and the rules of React hooks.
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

import base from '../../eslint.config.js';

export default [
  ...base,
  {
    files: ['**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
    ...reactHooks.configs.flat.recommended,
  },
];
