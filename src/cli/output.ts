/**
 * How the command writes: colours only on a terminal (or with FORCE_COLOR, never with NO_COLOR),
 * aligned tables, JSON for scripts.
 */
import picocolors from "picocolors";

/** picocolors' formatter set (enabled or all identity functions). */
export type Colors = ReturnType<typeof picocolors.createColors>;

/**
 * Whether to colour a stream: `NO_COLOR` (any non-empty value) turns colours off, `FORCE_COLOR`
 * (anything but `0`/`false`) turns them on, otherwise only a terminal that is not `TERM=dumb` gets them.
 */
export function shouldColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== "0" && force !== "false";
  return stream.isTTY === true && env.TERM !== "dumb";
}

/** The colours for a stream. */
export function colorsFor(stream: { isTTY?: boolean }): Colors {
  return picocolors.createColors(shouldColor(stream));
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escape sequences is the point
const ANSI = /\u001b\[[0-9;]*m/g;

/** The printed width of a string (escape codes do not count). */
export function visibleLength(text: string): number {
  return text.replace(ANSI, "").length;
}

/** Pads to a printed width. */
export function pad(text: string, width: number, align: "left" | "right" = "left"): string {
  const gap = Math.max(0, width - visibleLength(text));
  return align === "left" ? text + " ".repeat(gap) : " ".repeat(gap) + text;
}

/** Cuts a plain string to `width` characters with an ellipsis. */
export function truncate(text: string, width: number): string {
  if (text.length <= width) return text;
  return width <= 1 ? text.slice(0, width) : `${text.slice(0, width - 1)}…`;
}

/** One column of {@link renderTable}. */
export interface Column<Row> {
  /** The header text. */
  readonly header: string;
  /** The cell (may contain colour codes). */
  readonly cell: (row: Row) => string;
  /** @default "left" */
  readonly align?: "left" | "right";
}

/**
 * Renders rows as aligned columns separated by two spaces, with a dim header line; trailing
 * spaces are trimmed so piped output diffs cleanly.
 */
export function renderTable<Row>(
  rows: readonly Row[],
  columns: readonly Column<Row>[],
  colors: Colors,
): string {
  const cells = rows.map((row) => columns.map((column) => column.cell(row)));
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, ...cells.map((line) => visibleLength(line[index]!))),
  );
  const render = (line: readonly string[], header = false) =>
    line
      .map((text, index) => {
        const padded = pad(text, widths[index]!, columns[index]!.align);
        return header ? colors.dim(padded) : padded;
      })
      .join("  ")
      .trimEnd();
  return [
    render(
      columns.map((column) => column.header),
      true,
    ),
    ...cells.map((line) => render(line)),
  ].join("\n");
}

/** A status word coloured by what it means: green success, red failures, yellow suspended, cyan running. */
export function colorStatus(status: string, colors: Colors): string {
  switch (status) {
    case "success":
      return colors.green(status);
    case "failed":
    case "timeout":
      return colors.red(status);
    case "cancelled":
    case "client_closed":
      return colors.magenta(status);
    case "suspended":
      return colors.yellow(status);
    case "running":
      return colors.cyan(status);
    default:
      return status;
  }
}

/** Writes a value as indented JSON and a newline. */
export function writeJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, jsonReplacer, 2)}\n`);
}

/** JSON.stringify replacer that keeps BigInt and Error values readable. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}

/** Writes lines of text to stdout. */
export function writeLines(...lines: readonly string[]): void {
  process.stdout.write(`${lines.join("\n")}\n`);
}
