/**
 * onnxruntime-node's WebGPU execution provider for real, on a software Vulkan device: SwiftShader, as
 * the Debian chromium-headless-shell package ships it (with its own Vulkan loader). `device: 'webgpu'`
 * must run on it and give the CPU vectors; `device: 'auto'` must not pick a software-only Vulkan
 * (it is far slower than the CPU provider) and must say why once. Skipped when no SwiftShader ICD is
 * found (MTL_VK_ICD=/path/to/vk_swiftshader_icd.json overrides).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureFixture } from '../../src/generators/index.js';
import { packageRoot } from '../../src/utils/paths.js';

const icd = [process.env.MTL_VK_ICD, '/usr/lib/chromium/vk_swiftshader_icd.json'].find((p): p is string => !!p && existsSync(p));
if (!icd)
  console.warn(
    '[webgpu] no SwiftShader Vulkan ICD (apt-get install chromium-headless-shell, or MTL_VK_ICD): onnxruntime-node WebGPU test skipped',
  );

describe.runIf(!!icd)('onnxruntime-node WebGPU provider (SwiftShader)', () => {
  it("device 'webgpu' runs on SwiftShader and matches the CPU vectors; 'auto' skips a software-only Vulkan", async () => {
    const dir = await ensureFixture('bert');
    const libDir = dirname(icd!);
    const res = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'helpers', 'webgpu-child.ts'), dir], {
      cwd: packageRoot(),
      encoding: 'utf8',
      timeout: 240_000,
      env: {
        ...process.env,
        VK_ICD_FILENAMES: icd,
        // the loader next to the ICD (Chromium ships libvulkan.so.1 beside SwiftShader)
        LD_LIBRARY_PATH: [libDir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
        XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp',
      },
    });
    expect(res.status, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout.trim().split('\n').pop()!) as {
      auto: { device: string; logs: string[] };
      webgpu: { device: string; dims: number[]; diff: number; seconds: number };
      cpuSeconds: number;
    };
    console.log(
      `[webgpu] auto: ${out.auto.logs.join(' | ')}; webgpu: max abs diff vs CPU ${out.webgpu.diff.toExponential(2)}, ` +
        `16 texts in ${out.webgpu.seconds.toFixed(2)} s vs ${out.cpuSeconds.toFixed(3)} s on CPU`,
    );
    expect(out.webgpu.device).toBe('webgpu');
    expect(out.webgpu.dims).toEqual([16, 32]);
    expect(out.webgpu.diff).toBeLessThan(1e-5);
    expect(out.auto.device).toBe('cpu');
    expect(out.auto.logs).toHaveLength(1);
    expect(out.auto.logs[0]).toMatch(
      /execution provider: cpu \(cuda unavailable: .*; webgpu unavailable: only software Vulkan drivers \(vk_swiftshader_icd\.json\)/,
    );
  }, 300_000);
});
