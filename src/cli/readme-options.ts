// `npm run readme:options`: rewrites the README's genkernel option table from the option table.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withStatusTable } from '../config/option-status.js';

const readme = join(process.argv[2] ?? process.cwd(), 'README.md');
const before = readFileSync(readme, 'utf8');
const after = withStatusTable(before);
if (after !== before) writeFileSync(readme, after);
process.stdout.write(`${readme}: genkernel option table ${after === before ? 'already current' : 'rewritten'}\n`);
