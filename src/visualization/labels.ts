/**
 * Turns a step name into readable label text: `fetchUser` -> `Fetch User`, `parse_query` ->
 * `Parse Query`, `parseJSONBody` -> `Parse JSON Body`, `HTTPServer` -> `HTTP Server`.
 *
 * Words are split at `_`, whitespace and camelCase boundaries; the first letter of each word is
 * upper-cased and nothing else is changed (unlike Python's `str.title()`, which turns
 * `quote"test"` into `Quote"Test"` and `gpt4o` into `Gpt4O`). A name that has no letters or digits
 * left after splitting (`"___"`) is returned unchanged.
 *
 * @example
 * ```ts
 * humanizeName("generateResponse"); // "Generate Response"
 * humanizeName("search_web");       // "Search Web"
 * ```
 */
export function humanizeName(name: string): string {
  const words = name
    .replace(/(\p{Ll}|\p{Nd})(\p{Lu})/gu, "$1 $2")
    .replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, "$1 $2")
    .split(/[_\s]+/u)
    .filter((word) => word !== "");
  if (words.length === 0) return name;
  return words.map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join(" ");
}

/** Characters that are replaced by a Mermaid entity code (`#quot;`, `#35;`, ...) in labels. */
const NAMED: Readonly<Record<string, string>> = {
  '"': "#quot;",
  "#": "#35;",
  "&": "#amp;",
  "<": "#lt;",
  ">": "#gt;",
  "`": "#96;",
  "\\": "#92;",
  // Mermaid's own placeholders for decoded entities ("ﬂ°°", "¶ß"): a literal one would be decoded.
  "\u00b6": "#182;",
  "\ufb02": "#64258;",
};

// Control characters, lone surrogates, line and paragraph separators and the BOM would end the
// line, break the YAML of `@{ ... }` shapes, or be invisible: each becomes a numeric entity.
const ESCAPE = /["#&<>`\\\u00b6\ufb02]|%(?=%)|[\p{Cc}\p{Cs}\p{Zl}\p{Zp}\ufeff\ufffe\uffff]/gu;

/**
 * Escapes label text for a double-quoted Mermaid string, so any text yields valid Mermaid that
 * renders as the same text.
 *
 * - `"`, `#`, `&`, `<`, `>`, `` ` `` and `\` become entity codes (`#quot;`, `#35;`, `#amp;`,
 *   `#lt;`, `#gt;`, `#96;`, `#92;`): no string ends early, no entity or HTML tag is interpreted,
 *   no label turns into a Markdown string.
 * - `%%` becomes `#37;%`, so no text is mistaken for a `%%{init: ...}%%` directive.
 * - Control and other invisible characters become numeric entities (`#10;`).
 * - Mermaid drops the last `;` of a line containing `style...:...#...;` (its own hack for colours
 *   in `style` lines); when a label would match, its `style`/`classDef` is escaped too.
 * - Text that is blank after trimming (Mermaid trims labels) becomes `#160;` (a non-breaking space).
 *
 * Everything else, non-ASCII and emoji included, is kept as is.
 *
 * @example
 * ```ts
 * escapeLabel('say "hi" #1'); // 'say #quot;hi#quot; #35;1'
 * ```
 */
export function escapeLabel(text: string): string {
  if (text.trim() === "") return text === "" ? "#160;" : [...text].map(entity).join("");
  let escaped = text.replace(ESCAPE, (char) => NAMED[char] ?? entity(char));
  if (/(?:style|classDef).*:\S*#.*;/.test(escaped)) {
    escaped = escaped.replaceAll("style", "#115;tyle").replaceAll("classDef", "#99;lassDef");
  }
  return escaped;
}

function entity(char: string): string {
  if (char === "%") return "#37;";
  return `#${char.codePointAt(0)};`;
}
