/**
 * Follows `make` output: kbuild's quiet lines ("  CC      kernel/fork.o") become a one-line
 * progress display; everything else (compiler diagnostics, make's own errors) is remembered so a
 * failure can show the compiler's error rather than make's closing "Error 2" lines. With -jN the
 * first error is followed by the other jobs finishing, so the first error is what matters.
 */
const KBUILD_LINE = /^ {2}([A-Z][A-Z0-9_]*(?: \[M\])?)\s+(\S.*)$/;
const NOISE = /^make(\[\d+\])?: (Entering|Leaving) directory|^\s*$/;
const ERROR = /\berror\b|undefined reference|\*\*\*|fatal:/i;

export class CompileProgress {
  steps = 0;
  private current = '';
  private recent: string[] = [];
  private errorContext: string[] | undefined;

  constructor(private readonly keep = 60) {}

  /** Feed one output line; returns true when the progress text changed. */
  onLine(line: string): boolean {
    const m = KBUILD_LINE.exec(line);
    if (m) {
      this.steps++;
      this.current = `${m[1]} ${m[2]}`;
      return true;
    }
    if (NOISE.test(line)) return false;
    if (this.errorContext) {
      if (this.errorContext.length < 25) this.errorContext.push(line);
    } else if (ERROR.test(line)) {
      this.errorContext = [...this.recent.slice(-5), line];
    }
    this.recent.push(line);
    if (this.recent.length > this.keep) this.recent.shift();
    return false;
  }

  /** e.g. "[1234] CC fs/ext4/inode.o". */
  text(): string {
    return this.current ? `[${this.steps}] ${this.current}` : '';
  }

  /** The lines to show on failure: around the first error, else the last diagnostics. */
  failureLines(max = 20): string[] {
    return (this.errorContext ?? this.recent).slice(0, this.errorContext ? max : undefined).slice(-max);
  }
}
