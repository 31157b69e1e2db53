/**
 * A column or table name from a config or a file header: letters (any script), digits, spaces and a few
 * punctuation marks common in exports ("Fee (EUR)", "ARPU/month", "#calls"); never quotes, semicolons,
 * backslashes or control characters. Names are always double-quoted besides.
 */
export const SAFE_IDENT = /^[\p{L}_][\p{L}\p{N}_ .()%/#&+-]{0,127}$/u;
export const SAFE_IDENT_HINT = "letters, digits, spaces and _ . ( ) % / # & + - only, starting with a letter or _, at most 128 characters";

/** The name among `names` that differs from `name` only in case, spaces and punctuation, if there is one. */
export function closestColumn(name: string, names: readonly string[]): string | undefined {
  const norm = (c: string) => c.toLowerCase().replace(/[^\p{L}\p{N}]/gu, "");
  return names.find((c) => norm(c) === norm(name));
}
