/**
 * Hosts and slots of a PBS/Torque job, read from `$PBS_NODEFILE`: the file
 * lists one host name per line, once per slot (`node1` three times = 3 slots).
 */
import * as fs from 'node:fs';
import { HostError, hostNameProblem, mergeHosts, type HostSpec } from './host.js';

/** Reads a whole text file; `fs.readFileSync` fits. */
export type ReadTextFile = (path: string, encoding: 'utf8') => string;

/**
 * Parses a PBS node file: each non-blank line is a host name worth one slot;
 * repeated names add up, in order of first appearance. Surrounding spaces and
 * `#` comments are ignored.
 * @throws HostError naming the file and 1-based line on a bad host name, or
 *   when the file lists no host.
 */
export function parsePbsNodefile(text: string, fileName: string): HostSpec[] {
  const hosts: HostSpec[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const hash = raw.indexOf('#');
    const name = (hash === -1 ? raw : raw.slice(0, hash)).trim();
    if (name === '') return;
    const problem = hostNameProblem(name);
    if (problem !== null) throw new HostError(`PBS node file ${fileName} line ${i + 1}: ${problem}`);
    hosts.push({ name, slots: 1 });
  });
  if (hosts.length === 0) throw new HostError(`PBS node file ${fileName}: no hosts listed`);
  return mergeHosts(hosts);
}

/**
 * The hosts of the PBS/Torque job this process runs in, or `null` when
 * `PBS_NODEFILE` is unset or empty (not inside a job).
 * @param readFile reads the node file; replaceable for tests.
 * @throws HostError naming the file when it cannot be read or is malformed.
 */
export function pbsHosts(env: NodeJS.ProcessEnv, readFile: ReadTextFile = fs.readFileSync): HostSpec[] | null {
  const file = env.PBS_NODEFILE;
  if (file === undefined || file.trim() === '') return null;
  let text: string;
  try {
    text = readFile(file, 'utf8');
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new HostError(`cannot read PBS node file ${file} (PBS_NODEFILE): ${reason.split('\n')[0]}`);
  }
  return parsePbsNodefile(text, file);
}
