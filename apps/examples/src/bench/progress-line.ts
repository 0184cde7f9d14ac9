/**
 * The one progress line the benchmark keeps on stderr: rewritten in place on a terminal, a new
 * line every few seconds otherwise (a log file would fill with carriage returns).
 */
export class ProgressLine {
  private lastPrinted = 0;
  private open = false;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly everyMsWithoutTty = 5000,
  ) {}

  /** Replaces the line (on a terminal), or prints it if the last one is a few seconds old. */
  update(text: string): void {
    if (this.out.isTTY) {
      this.out.write(`\r${text}\x1b[K`);
      this.open = true;
      return;
    }
    const now = Date.now();
    if (now - this.lastPrinted < this.everyMsWithoutTty) return;
    this.lastPrinted = now;
    this.out.write(`${text}\n`);
  }

  /** Ends the line in progress with a final text. */
  done(text: string): void {
    this.out.write(this.out.isTTY ? `\r${text}\x1b[K\n` : `${text}\n`);
    this.open = false;
    this.lastPrinted = 0;
  }

  /** Prints a message on its own line without losing the progress line. */
  note(text: string): void {
    if (this.open && this.out.isTTY) this.out.write('\n');
    this.open = false;
    this.out.write(`${text}\n`);
  }
}
