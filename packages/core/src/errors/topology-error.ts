/** A topology that cannot be built or run: the message says which node, store or topic. */
export class TopologyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TopologyError';
  }
}
