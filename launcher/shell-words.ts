/** Words of shell command lines: quoting for a POSIX shell, and splitting option values into argv. */

/** Quotes `s` for a POSIX shell. */
export function shellQuote(s: string): string {
  if (/^[A-Za-z0-9_\-./:=@%+,]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Splits a command such as `ssh -p 2222 -i key` (`--ssh`, TSMPI_NODE_ARGS) into words
 * as a POSIX shell would, without expanding anything: blanks separate words; quotes
 * may start or end inside a word (`--title="my job"` is one word); a backslash escapes
 * the next character outside single quotes. An unterminated quote is an error.
 */
export function splitCommand(command: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!;
    if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else if (c === "'") {
      const end = command.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated ' in: ${command}`);
      word = (word ?? '') + command.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let text = '';
      for (i++; i < command.length && command[i] !== '"'; i++) {
        // Inside double quotes a backslash escapes only these, as in the shell.
        if (command[i] === '\\' && i + 1 < command.length && '"\\$`'.includes(command[i + 1]!)) i++;
        text += command[i];
      }
      if (i >= command.length) throw new Error(`unterminated " in: ${command}`);
      word = (word ?? '') + text;
    } else if (c === '\\' && i + 1 < command.length) {
      word = (word ?? '') + command[++i];
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== null) words.push(word);
  return words;
}
