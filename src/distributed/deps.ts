/**
 * BullMQ and ioredis are optional peer dependencies (an app that never uses the queue does not
 * install them): loading the queue's modules without them is one clear error with the install line.
 */
import { UserError } from '../errors.js';

export const QUEUE_INSTALL = 'npm install bullmq@6.7.6 ioredis@5.11.1';

export async function loadQueueModule<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e?.code === 'ERR_MODULE_NOT_FOUND' && /['"](bullmq|ioredis)['"]/.test(e.message)) {
      throw new UserError(
        `the Redis queue (mtl worker, --queue) needs bullmq and ioredis, optional dependencies of mtl-nlp that are not installed: ${QUEUE_INSTALL}`,
        { cause: err },
      );
    }
    throw err;
  }
}
