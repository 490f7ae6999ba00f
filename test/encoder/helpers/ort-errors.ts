/**
 * Exact error messages of onnxruntime-node 1.30.0 on this machine (Linux x64, no CUDA libraries, no GPU),
 * recorded with `InferenceSession.create(path, { executionProviders: [ep] })`.
 * ORT also prints native log lines to stderr for CUDA ("Failed to load library .../libonnxruntime_providers_shared.so")
 * and Dawn prints "Warning: Couldn't load Vulkan: libvulkan.so.1 ..." for WebGPU; those are not part of the Error.
 */
export const ORT_ERRORS = {
  cuda: 'OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library',
  /** `['cuda', 'cpu']` fails with the same message: ORT does not fall back by itself. */
  cudaThenCpu: 'OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library',
  tensorrt: 'OrtSessionOptionsAppendExecutionProvider_TensorRT: Failed to load shared library',
  webgpu:
    '/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 onnxruntime::webgpu::WebGpuContext::Initialize(const onnxruntime::webgpu::WebGpuContextConfig&)::<lambda()> adapter_result.status == wgpu::RequestAdapterStatus::Success was false. Failed to get a WebGPU adapter: No supported adapters\n',
  wasm: 'no available backend found. ERR: [wasm] backend not found.',
  /** onnxruntime-web 1.31.0-dev in headless Chromium 156 without a WebGPU adapter (test/encoder/browser). */
  webgpuBrowser:
    'no available backend found. ERR: [webgpu] Error: Failed to get GPU adapter. You may need to enable flag "--enable-unsafe-webgpu" if you are using Chrome.',
  missingModel: "Load model from /tmp/nonexist.onnx failed:Load model /tmp/nonexist.onnx failed. File doesn't exist",
} as const;
