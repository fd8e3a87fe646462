/**
 * Progress a person can read. On a terminal each running step (knowledge, encoding, a training) is
 * one line rewritten in place with its count, rate and time left; elsewhere (CI, a log file) a step
 * prints a plain line at most once per interval, and every step ends with one final line.
 *
 * @module
 */

/** Options of {@linkcode Progress}. */
export interface ProgressOptions {
  /**
   * Where the text goes.
   * @default {writes to stderr}
   */
  write?: (text: string) => void;
  /**
   * Whether `write` goes to a terminal (live lines) or not (plain periodic lines).
   * @default {Deno.stderr.isTerminal()}
   */
  terminal?: boolean;
  /**
   * Milliseconds clock.
   * @default {performance.now}
   */
  now?: () => number;
  /**
   * Least time between two plain lines of one step when not on a terminal.
   * @default {10000}
   */
  intervalMs?: number;
  /**
   * Least time between two redraws of the live lines on a terminal.
   * @default {100}
   */
  redrawMs?: number;
  /**
   * Terminal width; live lines are cut to it so they never wrap.
   * @default {the console's width, else 100}
   */
  columns?: number;
}

/** One long step: its count so far, and the line that ends it. */
export interface ProgressStep {
  /** Sets how much is done (of the step's total) and an optional note shown after the figures. */
  update(done: number, note?: string): void;
  /** Ends the step with `line`, or with a summary of count, time and rate. */
  end(line?: string): void;
}

/**
 * A count: as it is below 10,000, else in thousands or millions (`950`, `9700`, `12.3k`, `4.10M`).
 *
 * @example
 * ```ts
 * import { formatCount } from "./progress.ts";
 * console.assert(formatCount(12_345) === "12.3k");
 * ```
 */
export function formatCount(n: number): string {
  const a = Math.abs(n);
  if (a < 10_000) return Number.isInteger(n) ? String(n) : n.toFixed(a < 10 ? 1 : 0);
  if (a < 1e6) return `${(n / 1e3).toFixed(1)}k`;
  return `${(n / 1e6).toFixed(a < 1e7 ? 2 : 1)}M`;
}

/**
 * A rate per second: two decimals below 1, one below 100, else a count.
 *
 * @example
 * ```ts
 * import { formatRate } from "./progress.ts";
 * console.assert(formatRate(0.25) === "0.25");
 * ```
 */
export function formatRate(perSecond: number): string {
  if (perSecond < 1) return perSecond.toFixed(2);
  if (perSecond < 100) return perSecond.toFixed(1);
  return formatCount(Math.round(perSecond));
}

/**
 * A duration: `4.2s`, `42s`, `3m05s`, `1h02m`; `?` when unknown.
 *
 * @example
 * ```ts
 * import { formatDuration } from "./progress.ts";
 * console.assert(formatDuration(185_000) === "3m05s");
 * ```
 */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return "?";
  if (ms < 9_950) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  return h ? `${h}h${String(m).padStart(2, "0")}m` : `${m}m${String(s % 60).padStart(2, "0")}s`;
}

interface StepState {
  label: string;
  total: number;
  unit: string;
  started: number;
  done: number;
  note?: string;
  lastLine: number;
}

const stderrWrite = (text: string) => {
  const bytes = new TextEncoder().encode(text);
  let written = 0;
  while (written < bytes.length) written += Deno.stderr.writeSync(bytes.subarray(written));
};

const consoleColumns = () => {
  try {
    return Deno.consoleSize().columns || 100;
  } catch {
    return 100;
  }
};

/**
 * Reports steps and plain lines on one stream (stderr by default). Send every other line of the
 * same stream through {@linkcode Progress.log}, so it lands above the live lines.
 *
 * @example
 * ```ts
 * import { Progress } from "./progress.ts";
 * const progress = new Progress({ terminal: false, write: (text) => console.log(text.trim()) });
 * const step = progress.step("encoding", 1000, "texts");
 * step.update(500);
 * step.end(); // encoding: 1000 texts in ...
 * ```
 */
export class Progress {
  /** Whether live lines are drawn (else plain periodic lines). */
  readonly terminal: boolean;
  #write: (text: string) => void;
  #now: () => number;
  #intervalMs: number;
  #redrawMs: number;
  #columns: number;
  #live: StepState[] = [];
  #drawn = 0;
  #lastDraw = -Infinity;

  /** Reads the options; on a terminal nothing is drawn until a step starts. */
  constructor(options: ProgressOptions = {}) {
    this.terminal = options.terminal ?? Deno.stderr.isTerminal();
    this.#write = options.write ?? stderrWrite;
    this.#now = options.now ?? (() => performance.now());
    this.#intervalMs = options.intervalMs ?? 10_000;
    this.#redrawMs = options.redrawMs ?? 100;
    this.#columns = options.columns ?? (this.terminal ? consoleColumns() : Infinity);
  }

  /** Starts a step of `total` units (`unit` names them, e.g. `tasks`). */
  step(label: string, total: number, unit = ""): ProgressStep {
    const now = this.#now();
    const s: StepState = { label, total, unit, started: now, done: 0, lastLine: now };
    this.#live.push(s);
    if (this.terminal) this.#draw([], true);
    return {
      update: (done, note) => {
        s.done = done;
        s.note = note;
        if (this.terminal) return this.#draw([], false);
        const at = this.#now();
        if (at - s.lastLine < this.#intervalMs) return;
        s.lastLine = at;
        this.#write(`${this.#line(s)}\n`);
      },
      end: (line) => {
        if (!this.#live.includes(s)) return;
        this.#live = this.#live.filter((x) => x !== s);
        const text = line ?? this.#summary(s);
        if (this.terminal) this.#draw([text], true);
        else this.#write(`${text}\n`);
      },
    };
  }

  /** A plain line, printed above the live lines. */
  log(line: string): void {
    if (this.terminal) this.#draw([line], true);
    else this.#write(`${line}\n`);
  }

  /** Leaves the live lines as they are and moves below them (before an error message, say). */
  close(): void {
    if (this.terminal && this.#drawn > 0) this.#write("\n");
    this.#live = [];
    this.#drawn = 0;
  }

  /** `label: done/total unit (pct%), rate/s, ETA t, note`. */
  #line(s: StepState): string {
    const elapsed = this.#now() - s.started;
    const rate = elapsed > 0 ? (s.done / elapsed) * 1000 : 0;
    const unit = s.unit ? ` ${s.unit}` : "";
    const pct = s.total > 0 ? ` (${Math.floor((100 * s.done) / s.total)}%)` : "";
    const eta = rate > 0 ? ((s.total - s.done) / rate) * 1000 : undefined;
    return `${s.label}: ${formatCount(s.done)}/${formatCount(s.total)}${unit}${pct}, ` +
      `${formatRate(rate)}/s, ETA ${formatDuration(eta)}${s.note ? `, ${s.note}` : ""}`;
  }

  /** `label: done unit in t (rate unit/s), note`. */
  #summary(s: StepState): string {
    const elapsed = this.#now() - s.started;
    const unit = s.unit ? ` ${s.unit}` : "";
    const rate = elapsed > 0 ? ` (${formatRate((s.done / elapsed) * 1000)}${unit}/s)` : "";
    return `${s.label}: ${formatCount(s.done)}${unit} in ${formatDuration(elapsed)}${rate}${
      s.note ? `, ${s.note}` : ""
    }`;
  }

  /** Erases the live lines, prints `above`, and draws the live lines again (throttled). */
  #draw(above: string[], force: boolean): void {
    const now = this.#now();
    if (!force && now - this.#lastDraw < this.#redrawMs) return;
    this.#lastDraw = now;
    const fit = (line: string) =>
      line.length < this.#columns ? line : `${line.slice(0, Math.max(1, this.#columns - 2))}…`;
    const up = this.#drawn > 1 ? `\x1b[${this.#drawn - 1}A` : "";
    const live = this.#live.map((s) => fit(this.#line(s)));
    this.#write(
      `${up}\r\x1b[J${above.map((l) => `${l}\n`).join("")}${live.join("\n")}`,
    );
    this.#drawn = live.length;
  }
}
