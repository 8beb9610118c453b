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

const ESCAPE = /["#&<>`\\\u00b6\ufb02]|%(?=%)/g;
// Line breaks and tabs would end the line or vanish: they become spaces. Other control characters,
// lone surrogates and non-characters cannot be shown (an HTML entity for one is not even the same
// character: `&#133;` shows "…"), so they become U+FFFD, the visible replacement character.
const SPACES = /[\t\n\v\f\r\u0085\u2028\u2029]/g;
const INVISIBLE = /[\p{Cc}\p{Cs}\ufeff\ufffe\uffff]/gu;

/**
 * Escapes label text for a double-quoted Mermaid string, so any text yields valid Mermaid that
 * renders as the same text.
 *
 * - `"`, `#`, `&`, `<`, `>`, `` ` `` and `\` become entity codes (`#quot;`, `#35;`, `#amp;`,
 *   `#lt;`, `#gt;`, `#96;`, `#92;`): no string ends early, no entity or HTML tag is interpreted,
 *   no label turns into a Markdown string.
 * - `%%` becomes `#37;%`, so no text is mistaken for a `%%{init: ...}%%` directive.
 * - Line breaks and tabs become spaces; other control characters, lone surrogates and the BOM
 *   become `\uFFFD` (they cannot be displayed).
 * - Mermaid drops the last `;` of a line containing `style...:...#...;` (its own hack for colours
 *   in `style` lines); when a label would match, its `style`/`classDef` is escaped too.
 * - Text that is blank (Mermaid trims labels) is written with entity codes, so the node keeps its size.
 *
 * Everything else, non-ASCII and emoji included, is kept as is.
 *
 * @example
 * ```ts
 * escapeLabel('say "hi" #1'); // 'say #quot;hi#quot; #35;1'
 * ```
 */
export function escapeLabel(text: string): string {
  const visible = text.replace(SPACES, " ").replace(INVISIBLE, "\ufffd");
  if (visible.trim() === "") return visible === "" ? "#160;" : [...visible].map(entity).join("");
  let escaped = visible.replace(ESCAPE, (char) => NAMED[char] ?? entity(char));
  if (/(?:style|classDef).*:\S*#.*;/.test(escaped)) {
    escaped = escaped.replaceAll("style", "#115;tyle").replaceAll("classDef", "#99;lassDef");
  }
  return escaped;
}

function entity(char: string): string {
  if (char === "%") return "#37;";
  return `#${char.codePointAt(0)};`;
}
