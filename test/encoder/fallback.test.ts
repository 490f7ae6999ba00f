import { describe, expect, it, beforeEach } from 'vitest';
import { createSessionWithFallback, resetProviderMemo, shortReason } from '../../src/encoder/backend/fallback.js';
import type { Backend, BackendSession, Provider } from '../../src/encoder/backend/types.js';
import type { Device } from '../../src/encoder/types.js';
import { ORT_ERRORS } from './helpers/ort-errors.js';

const ORDER: Record<Device, Provider[]> = {
  auto: ['cuda', 'webgpu', 'cpu'],
  cuda: ['cuda'],
  webgpu: ['webgpu'],
  cpu: ['cpu'],
  wasm: ['wasm'],
};

function fakeSession(): BackendSession {
  return { inputNames: ['input_ids'], outputNames: ['last_hidden_state'], run: async () => ({}), release: async () => undefined };
}

/** A session factory that throws ORT's real messages for the providers this machine lacks. */
function fakeBackend(errors: Partial<Record<Provider, string>>): Backend & { attempts: Provider[] } {
  const attempts: Provider[] = [];
  return {
    platform: 'node',
    attempts,
    providerOrder: (d) => ORDER[d],
    defaultThreads: () => 1,
    async createSession(_model, provider) {
      attempts.push(provider);
      const msg = errors[provider];
      if (msg !== undefined) throw new Error(msg);
      return fakeSession();
    },
  };
}

describe('provider fallback', () => {
  beforeEach(() => resetProviderMemo());

  it('auto: cuda and webgpu fail with the real ORT texts, cpu is used, one log line', async () => {
    const backend = fakeBackend({ cuda: ORT_ERRORS.cuda, webgpu: ORT_ERRORS.webgpu });
    const logs: string[] = [];
    const r = await createSessionWithFallback(backend, '/m.onnx', 'auto', { threads: 1 }, (m) => logs.push(m));
    expect(r.provider).toBe('cpu');
    expect(backend.attempts).toEqual(['cuda', 'webgpu', 'cpu']);
    expect(r.failures.map((f) => f.message)).toEqual([ORT_ERRORS.cuda, ORT_ERRORS.webgpu]);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain('execution provider: cpu');
    expect(logs[0]).toContain('Failed to load shared library');
    expect(logs[0]).toContain('Failed to get a WebGPU adapter: No supported adapters');
    expect(logs[0]).not.toContain('\n');
  });

  it("browser order: webgpu fails with onnxruntime-web's real Chromium text, wasm is used, one log line", async () => {
    const backend = {
      ...fakeBackend({ webgpu: ORT_ERRORS.webgpuBrowser }),
      platform: 'web' as const,
      providerOrder: (d: Device): Provider[] => (d === 'auto' ? ['webgpu', 'wasm'] : ORDER[d]),
    };
    const logs: string[] = [];
    const r = await createSessionWithFallback(backend, new Uint8Array(4), 'auto', { threads: 1 }, (m) => logs.push(m));
    expect(r.provider).toBe('wasm');
    expect(backend.attempts).toEqual(['webgpu', 'wasm']);
    expect(logs).toEqual([`[encoder] execution provider: wasm (webgpu unavailable: ${ORT_ERRORS.webgpuBrowser})`]);
  });

  it('remembers failed providers: a second auto load does not retry them', async () => {
    const backend = fakeBackend({ cuda: ORT_ERRORS.cuda, webgpu: ORT_ERRORS.webgpu });
    await createSessionWithFallback(backend, '/m.onnx', 'auto', { threads: 1 }, () => undefined);
    backend.attempts.length = 0;
    const r = await createSessionWithFallback(backend, '/m.onnx', 'auto', { threads: 1 }, () => undefined);
    expect(backend.attempts).toEqual(['cpu']);
    expect(r.provider).toBe('cpu');
  });

  it('auto uses cuda when it works, and logs it', async () => {
    const backend = fakeBackend({});
    const logs: string[] = [];
    const r = await createSessionWithFallback(backend, '/m.onnx', 'auto', { threads: 1 }, (m) => logs.push(m));
    expect(r.provider).toBe('cuda');
    expect(logs).toEqual(['[encoder] execution provider: cuda']);
  });

  it('an explicit provider does not fall back and says why', async () => {
    const backend = fakeBackend({ cuda: ORT_ERRORS.cuda });
    await expect(createSessionWithFallback(backend, '/m.onnx', 'cuda', { threads: 1 }, () => undefined)).rejects.toThrow(
      /execution provider 'cuda' is not available here:\n\s+cuda: OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library/,
    );
    expect(backend.attempts).toEqual(['cuda']);
  });

  it('explicit cpu: no log line', async () => {
    const logs: string[] = [];
    const r = await createSessionWithFallback(fakeBackend({}), '/m.onnx', 'cpu', { threads: 1 }, (m) => logs.push(m));
    expect(r.provider).toBe('cpu');
    expect(logs).toEqual([]);
  });

  it('a model error is not a provider failure: it is thrown at once', async () => {
    const backend = fakeBackend({ cuda: ORT_ERRORS.missingModel, webgpu: ORT_ERRORS.missingModel, cpu: ORT_ERRORS.missingModel });
    await expect(createSessionWithFallback(backend, '/tmp/nonexist.onnx', 'auto', { threads: 1 }, () => undefined)).rejects.toThrow(
      /File doesn't exist/,
    );
    expect(backend.attempts).toEqual(['cuda']);
  });

  it('all providers failing gives every reason', async () => {
    const backend = fakeBackend({ cuda: ORT_ERRORS.cuda, webgpu: ORT_ERRORS.webgpu, cpu: 'boom' });
    await expect(createSessionWithFallback(backend, '/m.onnx', 'auto', { threads: 1 }, () => undefined)).rejects.toThrow(
      /tried cuda, webgpu, cpu[\s\S]*Failed to load shared library[\s\S]*No supported adapters[\s\S]*boom/,
    );
  });

  it('shortReason strips the ORT source-location preamble', () => {
    expect(shortReason(ORT_ERRORS.webgpu)).toBe('Failed to get a WebGPU adapter: No supported adapters');
    expect(shortReason(ORT_ERRORS.cuda)).toBe(ORT_ERRORS.cuda);
  });
});
