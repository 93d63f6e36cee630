// Unit tests of the view's logic (paging, formats, filters, copying), run by `jlpm test` in
// scripts/test: pure functions, no browser (the browser test drives the whole view).
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/src'],
  testMatch: ['**/__tests__/**/*.spec.ts'],
};
