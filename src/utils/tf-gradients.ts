/**
 * Registers tfjs-core's gradient functions (what `@tensorflow/tfjs` does on import). Core ships them
 * only as ESM files that import each other without file extensions, which Node's ESM loader cannot
 * load, so `npm run build` replaces this file's output (dist/utils/tf-gradients.js) with an esbuild
 * bundle of them (scripts/postbuild.mjs). The bundle carries its own copy of the core modules
 * the gradients call, as the umbrella's Node bundle does; tfjs keeps the engine and the kernel and
 * gradient registries on a global, so the registrations land in the one core that src/utils/tf.ts
 * exports. Under vitest and tsx this source file is used as is (their resolvers add extensions).
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';
