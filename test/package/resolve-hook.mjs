// A module resolve hook that writes every resolved URL to $MTL_LOADED_LOG, one a line: what an
// import loads. Registered with `node --import ./register-hook.mjs` (test/package/install.test.ts).
import { appendFileSync } from 'node:fs';

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (process.env.MTL_LOADED_LOG) appendFileSync(process.env.MTL_LOADED_LOG, `${resolved.url}\n`);
  return resolved;
}
