/**
 * The README's commands and code must work as pasted: the quick-start block runs against the
 * built package entry (self-reference 'mtl-nlp' → dist/, built by `prepare` on npm ci), and every
 * `mtl` subcommand and npm script it names exists. The documents it leads to (docs/**, CHANGELOG.md)
 * are held to the same: their `mtl` commands exist, their ts/js blocks type-check against the built
 * package, their yaml blocks parse, the scripts their bash blocks run exist, and every relative link
 * and #anchor resolves (GitHub's own slugs, github-slugger); none cites an issue number. The docs'
 * ts/js blocks also run, and their yaml blocks are validated against the config schemas, in
 * docs-blocks.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import GithubSlugger from 'github-slugger';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { packageRoot } from '../../src/utils/paths.js';
import { mtl } from '../cli/helpers.js';
import { fencedBlocks, runAsPasted } from './run-as-pasted.js';

const root = packageRoot();
const readme = readFileSync(join(root, 'README.md'), 'utf8');

describe('README', () => {
  it('gives the two commands, and .ci/run runs the same test command', () => {
    expect(readme).toContain('npm ci && npm run demo');
    expect(readme).toMatch(/^npm test\b/m);
    const ci = readFileSync(join(root, '.ci/run'), 'utf8');
    expect(ci).toMatch(/^npm ci\b/m);
    expect(ci).toMatch(/^npm test$/m);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.demo).toBeDefined();
    expect(pkg.scripts.test).toBe('vitest run');
  });

  it('every `mtl <command>` it mentions exists', () => {
    const names = new Set(buildProgram().commands.map((c) => c.name()));
    const mentioned = [...readme.matchAll(/`mtl ([a-z]+)/g)].map((m) => m[1]!);
    expect(mentioned.length).toBeGreaterThan(5);
    for (const m of mentioned) expect(names.has(m), m).toBe(true);
  });

  it('the quick-start code block runs as pasted', async () => {
    const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    expect(block).toContain("from 'mtl-nlp'");
    const r = await runAsPasted('quick-start', block!, { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/label: '(positive|negative)'/);
    expect(readFileSync(join(root, 'runs/quick-start/manifest.json'), 'utf8')).toContain('"sentiment"');
  }, 300_000);

  const reference = resolve(root, '..', 'shared', 'models', 'reference-mini');
  it.skipIf(!existsSync(reference))(
    'the fine-tuning command runs as pasted, on the samples for 2 steps',
    () => {
      const block = fencedBlocks(readme).find((b) => b.lang === 'bash' && b.body.includes('--config multitask-finetune'));
      expect(block, 'a bash block with the fine-tuning command').toBeDefined();
      const line = block!.body.split('\n').find((l) => l.includes('--config multitask-finetune'))!;
      const words = line.replace(/#.*$/, '').trim().split(/\s+/);
      expect(words.slice(0, 3)).toEqual(['npx', 'mtl', 'train']);
      const args = words.slice(2);
      const at = args.indexOf('--out');
      if (at >= 0) args.splice(at, 2);
      const out = join(root, '.cache', 'readme', 'finetune');
      rmSync(out, { recursive: true, force: true });
      const r = mtl([...args, '--sample', '--steps', '2', '--out', out]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/fine-tuned: layers 3–4 of 6 encoder layers \(read at layer 4/);
      expect(existsSync(join(out, 'encoder', 'onnx', 'model.onnx'))).toBe(true);
    },
    300_000,
  );
});

/** Every Markdown document a reader walks through: the README, the changelog and docs/**. */
function docFiles(): string[] {
  const found: string[] = ['README.md', 'CHANGELOG.md'];
  const walk = (rel: string): void => {
    for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
      const p = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.md')) found.push(p);
    }
  };
  walk('docs');
  return found;
}
const docs = docFiles();
const text = (rel: string) => readFileSync(join(root, rel), 'utf8');
/** The anchors GitHub gives a Markdown file's headings. */
function anchors(md: string): Set<string> {
  const slugger = new GithubSlugger();
  const prose = md.replace(/^```[\s\S]*?^```/gm, '');
  return new Set([...prose.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slugger.slug(m[1]!)));
}

describe('docs/ (guide, develop, benchmarks) and the changelog', () => {
  it('are found, with the README pointing to each document under docs/', () => {
    expect(docs).toEqual(expect.arrayContaining(['docs/benchmarks.md', 'docs/guide/library-api.md', 'docs/develop/extending.md']));
    for (const d of docs.filter((f) => f.startsWith('docs/'))) expect(readme, d).toContain(`](${d})`);
  });

  it('the README stays an entry page (at most 250 lines)', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(250);
  });

  it.each(docs)('%s: every `mtl <command>` it mentions exists', (file) => {
    const names = new Set(buildProgram().commands.map((c) => c.name()));
    for (const m of text(file).matchAll(/`(?:npx )?mtl ([a-z]+)/g)) expect(names.has(m[1]!), `${file}: mtl ${m[1]}`).toBe(true);
  });

  it.each(docs)('%s: every relative link reaches a file, and every #anchor a heading of it', (file) => {
    const md = text(file);
    const prose = md.replace(/^```[\s\S]*?^```/gm, '');
    for (const m of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1]!;
      if (/^(https?|mailto):/.test(target)) continue;
      const [path, anchor] = target.split('#') as [string, string | undefined];
      const abs = path ? resolve(dirname(join(root, file)), path) : join(root, file);
      expect(existsSync(abs), `${file}: link ${target}`).toBe(true);
      if (anchor) expect(anchors(readFileSync(abs, 'utf8')).has(anchor), `${file}: anchor ${target}`).toBe(true);
    }
  });

  it.each(docs)('%s: no issue numbers', (file) => {
    const prose = text(file).replace(/\]\([^)]*\)/g, '](…)');
    expect(prose, file).not.toMatch(/(^|[\s(])#\d/m);
    expect(prose, file).not.toMatch(/\bissues?\b/i);
  });

  it('the benchmarks page gives each section its command and its results/ file', () => {
    const sections = text('docs/benchmarks.md').split(/^### /m).slice(1);
    expect(sections.length).toBeGreaterThan(3);
    for (const s of sections) {
      const title = s.split('\n')[0]!;
      expect(s, title).toMatch(/`npx (mtl|tsx) /);
      expect(s, title).toMatch(/\]\(\.\.\/results\/[^)]+\.(md|json)\)/);
    }
  });

  it('every yaml block parses, and every `npx tsx` script in a bash block exists', () => {
    const all = docs.flatMap((f) => fencedBlocks(text(f)).map((b) => ({ ...b, file: f })));
    expect(all.filter((b) => b.lang === 'yaml').length).toBeGreaterThan(0);
    for (const b of all) {
      if (b.lang === 'yaml') expect(() => parseYaml(b.body), b.file).not.toThrow();
      if (b.lang === 'bash' || b.lang === 'sh')
        for (const m of b.body.matchAll(/npx tsx (\S+\.ts)/g)) expect(existsSync(join(root, m[1]!)), `${b.file}: ${m[1]}`).toBe(true);
    }
  });

  it('every ts/js block under docs/ type-checks against the built package (as a user pastes it)', () => {
    const code = docs
      .filter((f) => f.startsWith('docs/'))
      .flatMap((f) =>
        fencedBlocks(text(f))
          .filter((b) => /^(ts|js|typescript|javascript)$/.test(b.lang))
          .map((b) => ({ ...b, file: f })),
      );
    expect(code.length).toBeGreaterThan(2);
    // inside the package (git-ignored .cache/), so that `mtl-nlp` resolves to this checkout's dist/
    const dir = join(root, '.cache', 'readme', 'docs');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const files = code.map((b, i) => {
      const name = `${b.file.replace(/[/.]/g, '_')}_${i}.m${b.lang.startsWith('j') ? 'js' : 'ts'}`;
      writeFileSync(join(dir, name), `// ${b.file}\n${b.body}\nexport {};\n`);
      return name;
    });
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: '../../../tsconfig.json',
        compilerOptions: { noEmit: true, allowJs: true, checkJs: true, rootDir: '.', declaration: false, sourceMap: false },
        include: files,
      }),
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', dir], { cwd: root, encoding: 'utf8', timeout: 170_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  }, 180_000);
});

describe('config comments (tasks/*.yaml, benchmarks/configs/*.yaml)', () => {
  const yamls = ['tasks', 'benchmarks/configs'].flatMap((d) =>
    readdirSync(join(root, d))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => `${d}/${f}`),
  );
  it.each(yamls)('%s: comments say what an option does, not what it scored, and cite no issue', (file) => {
    const comments = text(file)
      .split('\n')
      .flatMap((l) => (l.includes('#') ? [l.slice(l.indexOf('#'))] : []));
    expect(comments.length, file).toBeGreaterThan(0);
    for (const c of comments) {
      expect(c, `${file}: ${c}`).not.toMatch(/±|\b\d?\.\d{2,}\b|\bissue\b|#\d|\bREADME\b/);
    }
  });
});
