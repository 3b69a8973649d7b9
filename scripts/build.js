#!/usr/bin/env node
// One incremental tsc pass for every app and lib, then path aliases rewritten to relative requires,
// so `node dist/apps/<app>/src/main.js` runs without a runtime resolver.
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const bin = (name) => path.join(__dirname, '..', 'node_modules', '.bin', name);
try {
  execFileSync(bin('tsc'), ['-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  execFileSync(bin('tsc-alias'), ['-p', 'tsconfig.build.json'], { stdio: 'inherit' });
} catch {
  console.error('build failed: TypeScript reported the errors above');
  process.exit(1);
}
