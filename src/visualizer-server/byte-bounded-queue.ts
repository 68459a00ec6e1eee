/** Strings kept oldest first under a budget of UTF-8 bytes. */
export class ByteBoundedQueue<K> {
  readonly #items = new Map<K, { text: string; bytes: number }>();
  #bytes = 0;
  constructor(readonly budget: number) {}

  get bytes(): number {
    return this.#bytes;
  }

  /** Adds (or replaces) an item, then drops the oldest until the total fits; a single item over budget is not kept. */
  set(key: K, text: string): void {
    this.delete(key);
    const bytes = Buffer.byteLength(text);
    if (bytes > this.budget) return;
    this.#items.set(key, { text, bytes });
    this.#bytes += bytes;
    for (const [oldest] of this.#items) {
      if (this.#bytes <= this.budget) break;
      this.delete(oldest);
    }
  }

  delete(key: K): void {
    const item = this.#items.get(key);
    if (!item) return;
    this.#items.delete(key);
    this.#bytes -= item.bytes;
  }

  texts(): string[] {
    return [...this.#items.values()].map((item) => item.text);
  }
}
