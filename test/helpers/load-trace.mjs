// A module loader hook for tests: records the URL of every module node loads (after tsx resolved it) in the file
// named by LOAD_TRACE_FILE, one per line. Used with `node --import tsx --import ./load-trace.mjs` to prove which
// modules a command evaluates.
import { register } from 'node:module';
import { appendFileSync } from 'node:fs';

const file = process.env.LOAD_TRACE_FILE;
if (file) {
  register(
    'data:text/javascript,' +
      encodeURIComponent(
        `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(${JSON.stringify(file)}, url + '\\n');
  return next(url, context);
}`,
      ),
  );
  appendFileSync(file, '');
}
