/** The encoders of one model at other layers (`atLayer`): opened once on first use, disposed with their owner. */
import type { EncoderInfo } from './types.js';

interface LayeredEncoder {
  readonly info: EncoderInfo;
  dispose(): Promise<void>;
}

export class LayerSiblings<E extends LayeredEncoder> {
  private readonly opened = new Map<number, Promise<E>>();

  /** `owner`: the encoder the siblings belong to; `reopen`: opens the model again at a layer. */
  constructor(
    private readonly owner: E,
    private readonly reopen: (layer: number) => Promise<E>,
  ) {}

  /**
   * The encoder at `layer`: opened on first use (a failed open is forgotten, so the next call tries
   * again); the owner itself when the layer cut there is the one the owner reads already.
   */
  async at(layer: number): Promise<E> {
    let p = this.opened.get(layer);
    if (!p) {
      p = this.reopen(layer);
      this.opened.set(layer, p);
      p.catch(() => this.opened.delete(layer));
    }
    const sibling = await p;
    if (sibling === this.owner) return sibling;
    const own = this.owner.info.layer;
    if (sibling.info.layer!.index !== (own ? own.index : sibling.info.layer!.of)) return sibling;
    // the layer the owner reads already: no second session
    this.opened.set(layer, Promise.resolve(this.owner));
    await sibling.dispose();
    return this.owner;
  }

  /** Disposes every sibling opened (failures to open or dispose are ignored). */
  async disposeAll(): Promise<void> {
    const all = [...this.opened.values()];
    this.opened.clear();
    await Promise.all(all.map((p) => p.then((s) => (s === this.owner ? undefined : s.dispose())).catch(() => undefined)));
  }
}
