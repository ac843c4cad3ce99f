// Process entry point: bin/tsgenkernel execs node on this file.
import { main } from './main.js';

await main(process.argv);
