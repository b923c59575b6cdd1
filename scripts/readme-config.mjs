#!/usr/bin/env node
// Prints the README's configuration table from switch/config.ts SETTINGS (run after a build).
// test/unit/readme.test.ts fails when the README and the code disagree.
import { SETTINGS } from '../dist/switch/config.js';

console.log('| Variable | Default | Meaning |');
console.log('|---|---|---|');
for (const s of SETTINGS) console.log(`| \`${s.name}\` | ${s.default ? `\`${s.default}\`` : '(empty)'} | ${s.description} |`);
