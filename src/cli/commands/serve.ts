/**
 * `mtl serve --model DIR [--port N] [--host ADDR] [--allow-any-host] [--encoder DIR]`: the demo page with a saved model
 * (sentiment, translation quality, summarization in the browser), until Ctrl-C. The page is dist/demo/
 * (built by `npm run build`), else bundled at start with esbuild when it is installed.
 */
import { packageRoot } from '../../utils/paths.js';
import type { GlobalOptions } from '../global-options.js';
import { demoPage, serveModel } from '../serve.js';

export default async function serve(opts: Record<string, unknown>, _args: string[], global: GlobalOptions): Promise<void> {
  const page = await demoPage(packageRoot());
  const port = opts.port as number;
  const running = await serveModel({
    modelDir: String(opts.model),
    ...(opts.encoder ? { encoderDir: String(opts.encoder) } : {}),
    page,
    port,
    host: String(opts.host ?? '127.0.0.1'),
    allowAnyHost: opts.allowAnyHost === true,
    ...(global.verbose ? { log: (l: string) => process.stderr.write(`mtl serve: ${l}\n`) } : {}),
  });
  const encoder = running.encoderDir
    ? running.encoderDir +
      (running.encoderFiles ? `, fine-tuned with the model: its ${running.encoderFiles.length} files the manifest lists` : '')
    : 'from the hub, as the manifest names it';
  let lines = `mtl serve: ${running.url} (model ${String(opts.model)}; encoder ${encoder}); Ctrl-C to stop\n`;
  if (running.networkReachable) {
    lines += `mtl serve: listening on ${String(opts.host)}: the page and the model are now reachable from other machines on the network (the default --host 127.0.0.1 keeps them to this machine)\n`;
  }
  process.stdout.write(lines);
  await new Promise<void>((resolve) => {
    const stop = () => {
      void running.close().then(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
