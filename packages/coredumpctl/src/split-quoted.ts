// Whitespace splitting with shell-like quotes, as systemd's
// strv_split_full(..., EXTRACT_UNQUOTE): '...' and "..." group, a backslash
// takes the next character literally; an unbalanced quote is an error.

export function splitQuoted(text: string): string[] | undefined {
  const words: string[] = [];
  let word: string | undefined;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"') {
        const next = text[++i];
        if (next === undefined) return undefined;
        word = (word ?? '') + next;
      } else word = (word ?? '') + c;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (word !== undefined) words.push(word);
      word = undefined;
      continue;
    }
    word ??= '';
    if (c === '"' || c === "'") quote = c;
    else if (c === '\\') {
      const next = text[++i];
      if (next === undefined) return undefined;
      word += next;
    } else word += c;
  }
  if (quote !== undefined) return undefined;
  if (word !== undefined) words.push(word);
  return words;
}
