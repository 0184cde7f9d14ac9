/**
 * A binary min-heap of items by timestamp: O(log n) push and pop, O(1) peek. What the outer join
 * buffer uses to find its oldest waiting records without scanning its store.
 *
 * @internal
 */
export class TimestampHeap<T extends { readonly timestamp: number }> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const items = this.items;
    let i = items.length;
    items.push(item);
    while (i > 0) {
      const parent = (i - 1) >>> 1;
      if (items[parent]!.timestamp <= item.timestamp) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = item;
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && items[right]!.timestamp < items[left]!.timestamp ? right : left;
      if (items[child]!.timestamp >= last.timestamp) break;
      items[i] = items[child]!;
      i = child;
    }
    items[i] = last;
    return top;
  }
}
