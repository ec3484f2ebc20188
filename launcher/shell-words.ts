/** Words of shell command lines: quoting for a POSIX shell, and splitting option values into argv. */

/** Quotes `s` for a POSIX shell. */
export function shellQuote(s: string): string {
  if (/^[A-Za-z0-9_\-./:=@%+,]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Splits a command such as `ssh -p 2222 -i key` (`--ssh`, TSMPI_NODE_ARGS) into words (quotes respected). */
export function splitCommand(command: string): string[] {
  const words: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(command); m; m = re.exec(command)) words.push(m[1] ?? m[2] ?? m[3]);
  return words;
}
