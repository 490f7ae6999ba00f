/**
 * The Chromium binary the browser tests drive: MTL_CHROMIUM, else Debian's chromium-headless-shell
 * (`apt-get install chromium-headless-shell`) or another usual install; undefined when none is found
 * (the browser tests then skip).
 */
import { existsSync } from 'node:fs';

const CANDIDATES = [
  process.env.MTL_CHROMIUM,
  '/usr/bin/chromium-headless-shell',
  '/usr/lib/chromium/headless_shell',
  '/usr/bin/chromium',
  '/usr/bin/google-chrome',
];

export const executable = CANDIDATES.find((p): p is string => !!p && existsSync(p));
