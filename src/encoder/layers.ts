/**
 * Reading an encoder's features from an inner layer (`layer` option): the ONNX graph is cut at that
 * layer's output, which becomes the `last_hidden_state` of a smaller graph. What `hidden_states[k]` of
 * a Hugging Face model is (0 = embeddings, k = after the k-th transformer layer), and cheaper to run
 * than the whole model, since the later layers are dropped.
 *
 * Layers are found by node scope, as `torch.onnx.export` / Optimum name nodes: `/encoder/layer.3/…`
 * (BERT, XLM-R, MiniLM), `/transformer/layer.3/…` (DistilBERT), `/layers.3/…` (ModernBERT and custom
 * exports); the embeddings by `/embeddings/…`. A layer's output is the tensor its scope hands to the rest
 * of the graph (quantization of that tensor for the next layer's int8 GEMMs does not count).
 */
import { decodeModel, encodeModel, onnx, type INodeProto, type ModelProto } from '../onnx/proto.js';
import { UserError } from '../errors.js';

/** The hidden layers of a graph, by scope. */
export interface LayerScopes {
  /** Transformer layers (their count). */
  count: number;
  /** Node indices per scope: 0 = embeddings, k = layer k (1-based). */
  nodes: Map<number, number[]>;
}

export interface LayerCut {
  /** The cut model's bytes, or null when `layer` is the last one (the model is used as it is). */
  bytes: Uint8Array | null;
  /** Transformer layers of the whole model. */
  layers: number;
  /** The layer read, 0 … layers (negative requests resolved). */
  layer: number;
  /** The graph tensor that became `last_hidden_state`. */
  tensor: string;
}

const LAYER_SCOPE = /(?:^|\/)layers?[./](\d+)\//;
const EMBEDDINGS_SCOPE = /(?:^|\/)embeddings\//;
/** Ops whose outputs are not a layer's hidden state even when the next layer reads them. */
const NOT_HIDDEN = new Set(['Constant', 'DynamicQuantizeLinear', 'QuantizeLinear', 'Shape']);
const OUTPUT = 'last_hidden_state';

/** Scopes of the graph's nodes; throws when no transformer layer is named. */
export function layerScopes(model: ModelProto, file: string): LayerScopes {
  const nodes = new Map<number, number[]>();
  let count = 0;
  (model.graph?.node ?? []).forEach((n, i) => {
    const name = n.name ?? '';
    const m = LAYER_SCOPE.exec(name);
    const k = m ? Number(m[1]) + 1 : EMBEDDINGS_SCOPE.test(name) ? 0 : -1;
    if (k < 0) return;
    count = Math.max(count, k);
    const list = nodes.get(k) ?? [];
    list.push(i);
    nodes.set(k, list);
  });
  if (count === 0) {
    throw new UserError(
      `${file}: no transformer layers found by node name (expected scopes such as /encoder/layer.0/… or /layers.0/…, as torch.onnx.export and Optimum write them); ` +
        'the layer option needs them: export the model with Optimum, or leave layer unset',
    );
  }
  for (let k = 1; k <= count; k++) {
    if (!nodes.has(k))
      throw new UserError(
        `${file}: layer scopes are not contiguous (no node of layer ${k - 1} of 0…${count - 1}); leave layer unset for this model`,
      );
  }
  return { count, nodes };
}

/** `layer` as 0 … count: negative values count from the end (-1 = the last layer), as Python's hidden_states[-1]. */
export function resolveLayer(layer: number, count: number, file: string): number {
  if (!Number.isInteger(layer) || layer > count || layer < -(count + 1)) {
    throw new UserError(
      `layer ${String(layer)} is out of range for ${file}: it has ${count} transformer layers, so layer is an integer from 0 (the embeddings) to ${count} (the last), or -1 … -${count + 1} from the end`,
    );
  }
  return layer < 0 ? count + 1 + layer : layer;
}

/** Names read by a node, including those its subgraphs (If / Loop bodies) read from outside. */
function inputsOf(node: INodeProto, into: Set<string>): void {
  for (const i of node.input ?? []) if (i) into.add(i);
  for (const a of node.attribute ?? []) {
    for (const g of [a.g, ...(a.graphs ?? [])]) for (const n of g?.node ?? []) inputsOf(n, into);
  }
}

/**
 * Cuts a model at `layer` (see the file comment). Throws, naming `file`, when the model keeps its
 * weights in external data (the cut runs in memory and could not resolve them) or names no layers.
 */
export function cutAtLayer(bytes: Uint8Array, layer: number, file: string): LayerCut {
  const model = decodeModel(bytes);
  const graph = model.graph;
  if (!graph) throw new UserError(`${file}: the ONNX model has no graph`);
  const scopes = layerScopes(model, file);
  const k = resolveLayer(layer, scopes.count, file);
  const nodes = graph.node ?? [];
  const scope = new Set(scopes.nodes.get(k) ?? []);
  if (scope.size === 0)
    throw new UserError(
      `${file}: no nodes named in the embeddings scope (/embeddings/…), so layer 0 cannot be read; use a layer from 1 to ${scopes.count}`,
    );

  const graphOutputs = new Set((graph.output ?? []).map((o) => o.name ?? ''));
  const readOutside = new Set<string>(graphOutputs);
  nodes.forEach((n, i) => {
    if (!scope.has(i)) inputsOf(n, readOutside);
  });
  // the scope's last tensor that the rest of the graph reads
  let tensor: string | undefined;
  for (const i of scope) {
    const n = nodes[i]!;
    if (NOT_HIDDEN.has(n.opType ?? '')) continue;
    for (const o of n.output ?? []) if (o && readOutside.has(o)) tensor = o;
  }
  if (tensor === undefined)
    throw new UserError(`${file}: the scope of layer ${k} hands no tensor to the rest of the graph; leave layer unset for this model`);
  if (k === scopes.count) return { bytes: null, layers: scopes.count, layer: k, tensor };

  if ((graph.initializer ?? []).some((t) => t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL)) {
    throw new UserError(
      `${file}: the model keeps its weights in external data files, which the layer option cannot cut in memory; ` +
        'use a single-file export (model.onnx without .onnx_data), or leave layer unset',
    );
  }

  // keep what the chosen tensor depends on, in the graph's (topological) order
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => {
    for (const o of n.output ?? []) if (o) producer.set(o, i);
  });
  const keep = new Set<number>();
  const stack = [tensor];
  while (stack.length) {
    const t = stack.pop()!;
    const i = producer.get(t);
    if (i === undefined || keep.has(i)) continue;
    keep.add(i);
    const ins = new Set<string>();
    inputsOf(nodes[i]!, ins);
    stack.push(...ins);
  }
  const kept = nodes.filter((_, i) => keep.has(i));
  const used = new Set<string>([tensor]);
  for (const n of kept) inputsOf(n, used);
  // the old graph output of that name (the last layer) is gone with the dropped nodes
  const original = (graph.output ?? []).find((o) => (o.type?.tensorType?.shape?.dim?.length ?? 0) === 3) ?? graph.output?.[0];
  const elemType = original?.type?.tensorType?.elemType ?? onnx.TensorProto.DataType.FLOAT;
  const out = onnx.ModelProto.create({
    ...model,
    graph: {
      ...graph,
      node: [...kept, { name: `/mtl/hidden_states.${k}/Identity`, opType: 'Identity', input: [tensor], output: [OUTPUT] }],
      initializer: (graph.initializer ?? []).filter((t) => used.has(t.name ?? '')),
      valueInfo: (graph.valueInfo ?? []).filter((v) => used.has(v.name ?? '')),
      output: [
        {
          name: OUTPUT,
          type: {
            tensorType: {
              elemType,
              shape: {
                dim: [
                  { dimParam: 'batch_size' },
                  { dimParam: 'sequence_length' },
                  ...(original?.type?.tensorType?.shape?.dim?.slice(2) ?? []),
                ],
              },
            },
          },
        },
      ],
    },
  });
  return { bytes: encodeModel(out), layers: scopes.count, layer: k, tensor };
}
