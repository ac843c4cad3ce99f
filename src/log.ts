import { appendFileSync } from 'node:fs';
import { Chalk } from 'chalk';

/**
 * genkernel's loglevels: 0 silent, 1 a timed line per stage, warnings, errors and the summary
 * (default), 2 more notes, 3 details, 4 commands run, 5 everything. The log file always receives
 * every line, uncoloured.
 */
export type LogLevel = 0 | 1 | 2 | 3 | 4 | 5;

export interface LoggerOptions {
  level: LogLevel;
  color: boolean;
  file?: string;
  /** Where terminal output goes; tests pass a collector. */
  write?: (line: string) => void;
}

export class Logger {
  private readonly paint: InstanceType<typeof Chalk>;
  private readonly write: (line: string) => void;
  private warned = new Set<string>();

  constructor(private readonly opts: LoggerOptions) {
    const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';
    this.paint = new Chalk({ level: opts.color && !noColor ? 1 : 0 });
    this.write = opts.write ?? ((line) => process.stderr.write(line + '\n'));
  }

  get level(): LogLevel {
    return this.opts.level;
  }

  get logFile(): string | undefined {
    return this.opts.file;
  }

  private emit(level: LogLevel, text: string, painted: string): void {
    if (this.opts.file) {
      try {
        appendFileSync(this.opts.file, `${new Date().toISOString()} ${text}\n`);
      } catch {
        // A log file we cannot write must never break a build; the terminal still shows it.
      }
    }
    if (level <= this.opts.level) this.write(painted);
  }

  error(text: string): void {
    this.emit(1, `ERROR: ${text}`, this.paint.red.bold('* ERROR: ') + text);
  }

  warn(text: string): void {
    this.emit(1, `WARNING: ${text}`, this.paint.yellow('* WARNING: ') + text);
  }

  /** Warn once per key: repeated causes (one missing module named by three groups) say it once. */
  warnOnce(key: string, text: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.warn(text);
  }

  info(text: string, level: LogLevel = 1): void {
    this.emit(level, text, this.paint.green('* ') + text);
  }

  stage(name: string, ms: number, detail = ''): void {
    const secs = (ms / 1000).toFixed(2).padStart(6);
    const line = `${name.padEnd(22)} ${secs}s${detail ? '  ' + detail : ''}`;
    this.emit(1, line, this.paint.green('* ') + this.paint.bold(name.padEnd(22)) + this.paint.dim(` ${secs}s`) + (detail ? '  ' + detail : ''));
  }

  debug(text: string, level: LogLevel = 3): void {
    this.emit(level, text, this.paint.dim(text));
  }

  /** Raw text for the log file only (compiler output, command transcripts). */
  fileOnly(text: string): void {
    if (!this.opts.file) return;
    try {
      appendFileSync(this.opts.file, text.endsWith('\n') ? text : text + '\n');
    } catch {
      // See emit(): logging never breaks a build.
    }
  }

  private lastProgress = 0;

  /** Transient progress on a TTY (a single rewritten line, at most ten times a second); silent elsewhere. */
  progress(text: string): void {
    if (this.opts.level < 1 || !process.stderr.isTTY) return;
    const now = Date.now();
    if (now - this.lastProgress < 100) return;
    this.lastProgress = now;
    const width = process.stderr.columns || 80;
    process.stderr.write('\r' + text.slice(0, width - 1).padEnd(width - 1) + '\r');
  }

  clearProgress(): void {
    if (this.opts.level < 1 || !process.stderr.isTTY) return;
    process.stderr.write('\r' + ' '.repeat((process.stderr.columns || 80) - 1) + '\r');
  }
}
