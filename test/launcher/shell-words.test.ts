import { describe, expect, it } from 'vitest';
import { shellQuote, splitCommand } from '../../launcher/shell-words.js';

describe('splitCommand', () => {
  it.each([
    ['ssh -p 2222 -i key', ['ssh', '-p', '2222', '-i', 'key']],
    ['  spaced   out  ', ['spaced', 'out']],
    ['--title="zz job" --x', ['--title=zz job', '--x']],
    [`-o ProxyCommand="ssh -W %h:%p gw"`, ['-o', 'ProxyCommand=ssh -W %h:%p gw']],
    [`a'b c'd "e"'f'`, ['ab cd', 'ef']],
    [`"" ''`, ['', '']],
    [`say\\ hi "a \\"q\\" \\\\ \\n"`, ['say hi', 'a "q" \\ \\n']],
    ['', []],
  ])('splits %j as a shell would', (command, words) => {
    expect(splitCommand(command)).toEqual(words);
  });

  it('refuses an unterminated quote, naming it', () => {
    expect(() => splitCommand('"unterminated')).toThrow('unterminated " in: "unterminated');
    expect(() => splitCommand("ssh -o 'x")).toThrow("unterminated ' in: ssh -o 'x");
  });

  it('undoes shellQuote', () => {
    for (const word of ['plain', 'with space', "it's", '$HOME `x` "q"', '']) expect(splitCommand(shellQuote(word))).toEqual([word]);
  });
});
